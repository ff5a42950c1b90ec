package registry

import (
	"context"
	"slices"
	"strings"

	"mamori/internal/db"
)

// stopWords are the legal forms that most names carry. Their unigrams and
// bigrams (after Normalize, which keeps kanji) are not indexed: they would
// be the largest posting lists and select nothing. A query made only of
// such grams (株式会社, 会社, 株) is answered by a scan in the registry's
// order instead (see Search).
var stopWords = []string{"株式会社", "有限会社", "合同会社"}

// stopGrams holds every unigram and bigram of stopWords.
var stopGrams = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range stopWords {
		rs := []rune(Normalize(w))
		for i := range rs {
			m[string(rs[i])] = true
			if i+1 < len(rs) {
				m[string(rs[i:i+2])] = true
			}
		}
	}
	return m
}()

// nameGrams returns the distinct unigrams and bigrams of a normalised name,
// leaving out stop grams, sorted. Grams across a legal form (社山 in
// 株式会社山田) are kept: a query may span one.
func nameGrams(norm string) []string {
	rs := []rune(norm)
	out := make([]string, 0, 2*len(rs))
	for i := range rs {
		if g := string(rs[i]); !stopGrams[g] {
			out = append(out, g)
		}
		if i+1 < len(rs) {
			if g := string(rs[i : i+2]); !stopGrams[g] {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// queryGrams returns the grams a normalised query is looked up by: its
// distinct non-stop bigrams, or its unigram when it has one character.
// Every name containing the query contains each of them, and each is
// indexed for every name that contains it, so the rarest one's postings
// hold every match. An empty result means the query has nothing to look up
// (it is made of legal-form grams only).
func queryGrams(norm string) []string {
	rs := []rune(norm)
	var out []string
	if len(rs) == 1 {
		if !stopGrams[norm] {
			out = append(out, norm)
		}
		return out
	}
	for i := 0; i+1 < len(rs); i++ {
		if g := string(rs[i : i+2]); !stopGrams[g] {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// diffGrams splits old and new (both sorted, distinct) into the grams to
// delete and the grams to add.
func diffGrams(old, new []string) (del, add []string) {
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i] < new[j]):
			del = append(del, old[i])
			i++
		case i == len(old) || new[j] < old[i]:
			add = append(add, new[j])
			j++
		default:
			i++
			j++
		}
	}
	return del, add
}

// allocRids takes n consecutive rids from the counter in the caller's
// transaction and returns the first.
func allocRids(ctx context.Context, q db.Querier, n int) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `UPDATE registry_rids SET last_rid = last_rid + ? WHERE id = 1 RETURNING last_rid`, n).Scan(&last)
	if err != nil {
		return 0, db.Classify(err)
	}
	return last - int64(n) + 1, nil
}

// multiRow returns "(?, ?), (?, ?)…" for rows of width placeholders.
func multiRow(rows, width int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// gramBatch is how many gram rows one INSERT writes.
const gramBatch = 5000

// insertGrams writes (gram, rid) postings, gramBatch rows per statement.
func insertGrams(ctx context.Context, q db.Querier, grams []string, rids []int64) error {
	for start := 0; start < len(grams); start += gramBatch {
		end := min(start+gramBatch, len(grams))
		args := make([]any, 0, 2*(end-start))
		for i := start; i < end; i++ {
			args = append(args, grams[i], rids[i])
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO registry_grams (gram, rid) VALUES `+multiRow(end-start, 2), args...); err != nil {
			return err
		}
	}
	return nil
}

// addCounts adds delta[g] to each gram's count.
func addCounts(ctx context.Context, q db.Querier, delta map[string]int) error {
	keys := make([]string, 0, len(delta))
	for g, n := range delta {
		if n != 0 {
			keys = append(keys, g)
		}
	}
	slices.Sort(keys)
	const batch = 2000
	for start := 0; start < len(keys); start += batch {
		end := min(start+batch, len(keys))
		args := make([]any, 0, 2*(end-start))
		for _, g := range keys[start:end] {
			args = append(args, g, delta[g])
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO registry_gram_counts (gram, n) VALUES `+multiRow(end-start, 2)+`
			ON CONFLICT (gram) DO UPDATE SET n = registry_gram_counts.n + excluded.n`, args...); err != nil {
			return err
		}
	}
	return nil
}
