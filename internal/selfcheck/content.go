package selfcheck

// The self-diagnosis question set is versioned content embedded in the
// binary: content/<version>.json holds one question set (25 items in three
// parts, ja and en), content/bands.json the texts of the four score bands and
// content/answers.json the four answer labels. A stored result points to the
// version it was answered with, so old versions stay in content/ when a new
// one is published; the newest by published date is Content.Current.
//
// LoadContent validates everything strictly; the content is ours and a
// mistake in it should fail at start-up and in tests, never on a result page.

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

//go:embed content/*.json
var contentFS embed.FS

// Text is a string in Japanese and English (JSON {"ja": ..., "en": ...}).
type Text struct {
	Ja string `json:"ja"`
	En string `json:"en"`
}

// In returns the English text for "en" (or "en-…"), otherwise the Japanese.
func (t Text) In(lang string) string {
	if contentIsEnglish(lang) {
		return t.En
	}
	return t.Ja
}

// Texts is a list of strings in Japanese and English
// (JSON {"ja": [...], "en": [...]}); both lists have the same length.
type Texts struct {
	Ja []string `json:"ja"`
	En []string `json:"en"`
}

// In returns a copy of the English list for "en" (or "en-…"), otherwise of
// the Japanese one.
func (t Texts) In(lang string) []string {
	if contentIsEnglish(lang) {
		return slices.Clone(t.En)
	}
	return slices.Clone(t.Ja)
}

func contentIsEnglish(lang string) bool {
	return lang == "en" || strings.HasPrefix(lang, "en-")
}

// Item is one question of the self-diagnosis.
type Item struct {
	Number   int      `json:"number"`   // 1..25 across all parts
	Weight   int      `json:"weight"`   // 1..3, 3 = most important for the action plan
	Question Text     `json:"question"` // answerable with implemented / partly / not / don't know
	Why      Text     `json:"why"`      // one sentence
	How      Text     `json:"how"`      // 1–3 sentences
	Steps    Texts    `json:"steps"`    // concrete actions for this month
	Threats  []string `json:"threats"`  // ids defined in QuestionSet.Threats
	Part     int      `json:"-"`        // filled by the loader
}

// Part is one of the three parts of a question set.
type Part struct {
	Number int    `json:"number"`
	Title  Text   `json:"title"`
	Intro  Text   `json:"intro"`
	Items  []Item `json:"items"`
}

// QuestionSet is one published version of the self-diagnosis.
type QuestionSet struct {
	Version   string          `json:"version"`
	Published string          `json:"published"` // YYYY-MM-DD
	Threats   map[string]Text `json:"threats"`
	Parts     []Part          `json:"parts"`
}

// Item returns the item with number n.
func (q *QuestionSet) Item(n int) (Item, bool) {
	for pi := range q.Parts {
		items := q.Parts[pi].Items
		for i := range items {
			if items[i].Number == n {
				return items[i], true
			}
		}
	}
	return Item{}, false
}

// Items returns all items in order (1..25), in a new slice.
func (q *QuestionSet) Items() []Item {
	var out []Item
	for _, p := range q.Parts {
		out = append(out, p.Items...)
	}
	return out
}

// Band is the text of one score band (entry, some_gaps, noticeable_gaps,
// high_risk).
type Band struct {
	ID      string `json:"-"` // filled by the loader from the key
	Title   Text   `json:"title"`
	Meaning Text   `json:"meaning"`
}

// Content is all self-diagnosis content.
type Content struct {
	Current  *QuestionSet            // the version with the latest published date
	Versions map[string]*QuestionSet // every version by id, Current included
	Bands    map[string]Band         // by band id
	Answers  map[string]Text         // answer labels by answer id
}

// Version returns the question set with id v.
func (c *Content) Version(v string) (*QuestionSet, bool) {
	q, ok := c.Versions[v]
	return q, ok
}

// Ids of the bands and answers the content must define, in display order.
var (
	contentBandIDs   = []string{"entry", "some_gaps", "noticeable_gaps", "high_risk"}
	contentAnswerIDs = []string{"implemented", "partial", "not_implemented", "unknown"}
	// contentPartSizes is the number of items in parts 1, 2 and 3.
	contentPartSizes = []int{5, 13, 7}
)

const (
	contentBandsFile   = "bands.json"
	contentAnswersFile = "answers.json"
)

// LoadContent parses and validates the embedded content.
func LoadContent() (*Content, error) {
	sub, err := fs.Sub(contentFS, "content")
	if err != nil {
		return nil, fmt.Errorf("selfcheck content: %w", err)
	}
	return loadContent(sub)
}

// loadContent parses and validates the content files at the root of fsys.
func loadContent(fsys fs.FS) (*Content, error) {
	c, err := parseContent(fsys)
	if err != nil {
		return nil, fmt.Errorf("selfcheck content: %w", err)
	}
	return c, nil
}

func parseContent(fsys fs.FS) (*Content, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	c := &Content{Versions: map[string]*QuestionSet{}}

	if err := decodeContentFile(fsys, contentBandsFile, &c.Bands); err != nil {
		return nil, err
	}
	if err := validateContentBands(c.Bands); err != nil {
		return nil, fmt.Errorf("%s: %w", contentBandsFile, err)
	}
	if err := decodeContentFile(fsys, contentAnswersFile, &c.Answers); err != nil {
		return nil, err
	}
	if err := validateContentAnswers(c.Answers); err != nil {
		return nil, fmt.Errorf("%s: %w", contentAnswersFile, err)
	}

	var newest time.Time
	for _, name := range names { // fs.Glob returns names in lexical order
		if name == contentBandsFile || name == contentAnswersFile {
			continue
		}
		q := new(QuestionSet)
		if err := decodeContentFile(fsys, name, q); err != nil {
			return nil, err
		}
		published, err := validateQuestionSet(q, strings.TrimSuffix(name, ".json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for v, other := range c.Versions {
			if other.Published == q.Published {
				return nil, fmt.Errorf("%s: version %q has the same published date %s as version %q; the current version would be ambiguous", name, q.Version, q.Published, v)
			}
		}
		c.Versions[q.Version] = q
		if c.Current == nil || published.After(newest) {
			c.Current, newest = q, published
		}
	}
	if c.Current == nil {
		return nil, errors.New("no question set found (expected a <version>.json file)")
	}
	return c, nil
}

// decodeContentFile reads name from fsys into v: valid UTF-8, one JSON value,
// no unknown fields, no duplicate keys.
func decodeContentFile(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%s: file is empty", name)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%s: not valid UTF-8", name)
	}
	if err := checkContentDuplicateKeys(data); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: unexpected data after the JSON value", name)
	}
	return nil
}

// checkContentDuplicateKeys rejects an object that has the same key twice
// (compared as encoding/json matches field names, ignoring case); the
// decoder would silently keep the last one.
func checkContentDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(at string) error
	walk = func(at string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		switch delim {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				tok, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := tok.(string)
				if seen[strings.ToLower(key)] {
					return fmt.Errorf("duplicate key %q in %s", key, at)
				}
				seen[strings.ToLower(key)] = true
				if err := walk(at + "." + key); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err
	}
	if err := walk("$"); err != nil {
		if errors.Is(err, io.EOF) { // the token reader's way of saying the input stopped early
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// validateQuestionSet checks q (read from the file named version+".json"),
// fills Item.Part and returns the parsed published date.
func validateQuestionSet(q *QuestionSet, version string) (time.Time, error) {
	if q.Version == "" {
		return time.Time{}, errors.New("version is empty")
	}
	if q.Version != version {
		return time.Time{}, fmt.Errorf("version %q does not match the file name (expected %q)", q.Version, version)
	}
	published, err := time.Parse(time.DateOnly, q.Published)
	if err != nil {
		return time.Time{}, fmt.Errorf("published %q is not a date in the form YYYY-MM-DD", q.Published)
	}

	if len(q.Threats) == 0 {
		return time.Time{}, errors.New("threats is empty")
	}
	for _, id := range sortedContentKeys(q.Threats) {
		if !validContentID(id) {
			return time.Time{}, fmt.Errorf("threat id %q: use lower-case letters, digits and _", id)
		}
		if err := checkContentText(q.Threats[id]); err != nil {
			return time.Time{}, fmt.Errorf("threat %q: label %w", id, err)
		}
	}

	if len(q.Parts) != len(contentPartSizes) {
		return time.Time{}, fmt.Errorf("has %d parts, want %d", len(q.Parts), len(contentPartSizes))
	}
	next := 1
	for pi := range q.Parts {
		p := &q.Parts[pi]
		if p.Number != pi+1 {
			return time.Time{}, fmt.Errorf("part %d is numbered %d", pi+1, p.Number)
		}
		if err := checkContentText(p.Title); err != nil {
			return time.Time{}, fmt.Errorf("part %d: title %w", p.Number, err)
		}
		if err := checkContentText(p.Intro); err != nil {
			return time.Time{}, fmt.Errorf("part %d: intro %w", p.Number, err)
		}
		if len(p.Items) != contentPartSizes[pi] {
			return time.Time{}, fmt.Errorf("part %d has %d items, want %d", p.Number, len(p.Items), contentPartSizes[pi])
		}
		for ii := range p.Items {
			it := &p.Items[ii]
			if it.Number != next {
				return time.Time{}, fmt.Errorf("part %d: expected item %d, found item %d (items must be numbered 1 to 25 in order)", p.Number, next, it.Number)
			}
			next++
			it.Part = p.Number
			if err := validateContentItem(it, q.Threats); err != nil {
				return time.Time{}, fmt.Errorf("item %d: %w", it.Number, err)
			}
		}
	}
	return published, nil
}

func validateContentItem(it *Item, threats map[string]Text) error {
	if it.Weight < 1 || it.Weight > 3 {
		return fmt.Errorf("weight %d is not between 1 and 3", it.Weight)
	}
	for _, f := range []struct {
		name string
		text Text
	}{{"question", it.Question}, {"why", it.Why}, {"how", it.How}} {
		if err := checkContentText(f.text); err != nil {
			return fmt.Errorf("%s %w", f.name, err)
		}
	}
	if len(it.Steps.Ja) == 0 || len(it.Steps.En) == 0 {
		return errors.New("steps must be non-empty in both ja and en")
	}
	if len(it.Steps.Ja) != len(it.Steps.En) {
		return fmt.Errorf("steps: %d in ja but %d in en", len(it.Steps.Ja), len(it.Steps.En))
	}
	for i := range it.Steps.Ja {
		if err := checkContentText(Text{Ja: it.Steps.Ja[i], En: it.Steps.En[i]}); err != nil {
			return fmt.Errorf("step %d %w", i+1, err)
		}
	}
	if len(it.Threats) == 0 {
		return errors.New("names no threats")
	}
	seen := map[string]bool{}
	for _, id := range it.Threats {
		if _, ok := threats[id]; !ok {
			return fmt.Errorf("threat %q is not defined in threats", id)
		}
		if seen[id] {
			return fmt.Errorf("threat %q is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

func validateContentBands(bands map[string]Band) error {
	for _, id := range contentBandIDs {
		b, ok := bands[id]
		if !ok {
			return fmt.Errorf("band %q is missing", id)
		}
		if err := checkContentText(b.Title); err != nil {
			return fmt.Errorf("band %q: title %w", id, err)
		}
		if err := checkContentText(b.Meaning); err != nil {
			return fmt.Errorf("band %q: meaning %w", id, err)
		}
		b.ID = id
		bands[id] = b
	}
	for _, id := range sortedContentKeys(bands) {
		if !slices.Contains(contentBandIDs, id) {
			return fmt.Errorf("unknown band %q (want %s)", id, strings.Join(contentBandIDs, ", "))
		}
	}
	return nil
}

func validateContentAnswers(answers map[string]Text) error {
	for _, id := range contentAnswerIDs {
		t, ok := answers[id]
		if !ok {
			return fmt.Errorf("answer %q is missing", id)
		}
		if err := checkContentText(t); err != nil {
			return fmt.Errorf("answer %q: label %w", id, err)
		}
	}
	for _, id := range sortedContentKeys(answers) {
		if !slices.Contains(contentAnswerIDs, id) {
			return fmt.Errorf("unknown answer %q (want %s)", id, strings.Join(contentAnswerIDs, ", "))
		}
	}
	return nil
}

// checkContentText reports a text that is blank in either language; the
// error reads well after a field name ("why " + "is empty in en").
func checkContentText(t Text) error {
	switch {
	case strings.TrimSpace(t.Ja) == "" && strings.TrimSpace(t.En) == "":
		return errors.New("is empty in ja and en")
	case strings.TrimSpace(t.Ja) == "":
		return errors.New("is empty in ja")
	case strings.TrimSpace(t.En) == "":
		return errors.New("is empty in en")
	}
	return nil
}

func validContentID(id string) bool {
	if id == "" {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func sortedContentKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
