package correlate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"mamori/internal/db"
)

// Synthetic correlation data for benchmarks and load tests. The shape
// follows what a sharing hub sees: most values occur in one report only
// (a phishing host, an attachment built per target), campaigns of 2–20
// reports share a few values (sender, sending IP, host, hash, mail kit
// and lure), some values are held by tens to a couple of hundred
// reports (a shared bulletproof host, a popular kit), and a few by
// hundreds or thousands (CDN hosts, webmail relays) — past TooCommon.
// Five percent of senders use free mail, which the warning list covers.
var (
	genWords = strings.Fields(`secure login account verify update billing invoice portal support service mail cloud drive
		docs share file notice payment card bank post delivery track order confirm auth office online web my id`)
	genTLDs   = strings.Fields(`com net org info xyz top shop online site jp co.jp ne.jp biz cc ru cn`)
	genFree   = strings.Fields(`gmail.com yahoo.co.jp outlook.com hotmail.com icloud.com`)
	genMailer = []string{"Microsoft Outlook 16.0", "Foxmail 7.2.25.228[cn]", "Mozilla Thunderbird 115.3.1", "iPhone Mail (20H19)",
		"PHPMailer 6.8.0 (https://github.com/PHPMailer/PHPMailer)", "Becky! ver. 2.81.04", "Microsoft Outlook Express 6.00.2900.5512"}
	genLures = []string{"【重要】#月分請求書のご確認(no.#)", "*様 ご請求書送付の件", "【至急】お支払い期限のお知らせ", "パスワード有効期限のお知らせ",
		"invoice inv-#-# overdue", "your account has been suspended", "配送状況のご確認(#/#)", "【社外秘】#年度 人事異動の件"}
)

// GenerateOptions shapes a synthetic load.
type GenerateOptions struct {
	// Indicators is the number of (report, value) pairs to store.
	Indicators int
	// Seed makes the data reproducible.
	Seed uint64
	// From and To bound the reports' times, which rise with the reports;
	// zero values mean the year before now.
	From, To time.Time
}

// Synthetic describes generated data, and draws probes from it.
type Synthetic struct {
	Reports, Values, Indicators int
	// Campaigns, Moderate (held by 21 to TooCommon reports), Common
	// (held by more) and Unique (a sample of values held by one report)
	// are values stored by Generate.
	Campaigns [][]Indicator
	Moderate  []Indicator
	Common    []Indicator
	Unique    []Indicator
	// Load is how long the writes took, and Analyze the statistics
	// refresh after them (PostgreSQL only).
	Load, Analyze time.Duration
}

// special is a value held by more than one report.
type special struct {
	in      Indicator
	holders int
}

// Generate writes synthetic reports into an empty correlation store, in
// one transaction with multi-row inserts, and refreshes the planner's
// statistics. It refuses a store that already holds reports, so the
// counts it keeps stay exact.
func Generate(ctx context.Context, d *db.DB, o GenerateOptions) (*Synthetic, error) {
	if o.Indicators < 1 {
		return nil, errors.New("correlate: generate at least one indicator")
	}
	if o.To.IsZero() {
		o.To = db.Now()
	}
	if o.From.IsZero() || !o.From.Before(o.To) {
		o.From = o.To.AddDate(-1, 0, 0)
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM correlation_reports`).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, errors.New("correlate: generate needs an empty correlation store")
	}
	g := &gen{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), seed: o.Seed}
	s := &Synthetic{Indicators: o.Indicators}

	// Report sizes: 5 to 35 indicators, 20 on average; the last takes
	// what is left.
	var sizes []int
	for left := o.Indicators; left > 0; {
		k := min(5+g.r.IntN(31), left)
		sizes = append(sizes, k)
		left -= k
	}
	s.Reports = len(sizes)
	held := make([][]int32, len(sizes)) // report → special values it holds
	var specials []special
	assign := func(in Indicator, reports []int) {
		idx := int32(len(specials))
		h := 0
		for _, r := range reports {
			if len(held[r]) < sizes[r] {
				held[r] = append(held[r], idx)
				h++
			}
		}
		specials = append(specials, special{in, h})
	}
	distinct := func(n int) []int {
		n = min(n, len(sizes))
		seen := make(map[int]bool, n)
		out := make([]int, 0, n)
		for len(out) < n {
			if r := g.r.IntN(len(sizes)); !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
		return out
	}
	for range max(1, o.Indicators/50_000) {
		in := g.value(URLHost)
		assign(in, distinct(TooCommon+100+g.r.IntN(2000)))
		s.Common = append(s.Common, in)
	}
	for range max(1, o.Indicators/10_000) {
		in := g.value(kinds[g.r.IntN(len(kinds))])
		assign(in, distinct(21+g.r.IntN(TooCommon-20)))
		s.Moderate = append(s.Moderate, in)
	}
	// Campaigns cover a fifth of the reports, in runs of neighbours:
	// one wave of mail is reported within days.
	for r := 0; r < len(sizes); {
		size := 2 + g.r.IntN(19)
		if g.r.IntN(5) != 0 || r+size > len(sizes) {
			r += size
			continue
		}
		var vals []Indicator
		for k := range 1 + g.r.IntN(5) {
			in := g.value(kinds[g.r.IntN(len(kinds))])
			vals = append(vals, in)
			var members []int
			for m := r; m < r+size; m++ {
				if k == 0 || g.r.IntN(4) != 0 {
					members = append(members, m)
				}
			}
			assign(in, members)
		}
		s.Campaigns = append(s.Campaigns, vals)
		r += size
	}

	t0 := time.Now()
	slot := o.To.Sub(o.From) / time.Duration(len(sizes))
	err := d.InTx(ctx, func(tx *db.Tx) error {
		vw := newBatch(tx, `correlation_values (id, ind, reports)`, 3)
		for i, sp := range specials {
			if sp.holders == 0 {
				continue
			}
			vw.add(int64(i+1), storeKey(sp.in), sp.holders)
			s.Values++
		}
		if err := vw.flush(ctx); err != nil {
			return err
		}
		rw := newBatch(tx, `correlation_reports (rid, report_id, at)`, 3)
		iw := newBatch(tx, `correlation_indicators (value_id, rid)`, 2)
		next := int64(len(specials))
		for r, size := range sizes {
			rid := int64(r + 1)
			at := o.From.Add(time.Duration(r) * slot).Add(time.Duration(g.r.Int64N(int64(slot) + 1))).Truncate(time.Second)
			rw.add(rid, g.reportID(), at)
			for _, sp := range held[r] {
				iw.add(int64(sp)+1, rid)
			}
			for range size - len(held[r]) {
				next++
				in := g.unique()
				if len(s.Unique) < 10_000 {
					s.Unique = append(s.Unique, in)
				} else if j := g.r.IntN(int(next)); j < len(s.Unique) {
					s.Unique[j] = in
				}
				vw.add(next, storeKey(in), 1)
				iw.add(next, rid)
				s.Values++
			}
			// Parents first: the pairs refer to both.
			if iw.full() {
				if err := rw.flush(ctx); err != nil {
					return err
				}
				if err := vw.flush(ctx); err != nil {
					return err
				}
				if err := iw.flush(ctx); err != nil {
					return err
				}
			}
		}
		for _, b := range []*batch{rw, vw, iw} {
			if err := b.flush(ctx); err != nil {
				return err
			}
		}
		if tx.Dialect() == db.Postgres {
			// Ids were given explicitly; move the identities past them.
			for _, q := range []string{
				`SELECT setval(pg_get_serial_sequence('correlation_reports', 'rid'), (SELECT MAX(rid) FROM correlation_reports))`,
				`SELECT setval(pg_get_serial_sequence('correlation_values', 'id'), (SELECT MAX(id) FROM correlation_values))`,
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Load = time.Since(t0)
	if d.Dialect() == db.Postgres {
		// What autovacuum would do soon after such a load: statistics for
		// the planner, and the visibility map that lets the pairs'
		// primary key answer without visiting the table. SQLite's plans
		// need no statistics here (and the application never gathers
		// any), so none are made for it.
		t0 = time.Now()
		if _, err := d.ExecContext(ctx, `VACUUM ANALYZE correlation_reports, correlation_values, correlation_indicators`); err != nil {
			return nil, err
		}
		s.Analyze = time.Since(t0)
	}
	return s, nil
}

// Probe returns n indicators (at least 10) of a new report as a hub
// would see one: the values of one stored campaign, two moderately
// common values, a too-common one, a warned sender and host, three
// values one stored report holds, and values nobody has seen.
func (s *Synthetic) Probe(r *rand.Rand, n int) []Indicator {
	n = max(n, 10)
	out := make([]Indicator, 0, n)
	add := func(in Indicator) {
		if len(out) < n && !slices.Contains(out, in) {
			out = append(out, in)
		}
	}
	if len(s.Campaigns) > 0 {
		for _, in := range s.Campaigns[r.IntN(len(s.Campaigns))] {
			add(in)
		}
	}
	for _, from := range [][]Indicator{s.Moderate, s.Moderate, s.Common, s.Unique, s.Unique, s.Unique} {
		if len(from) > 0 {
			add(from[r.IntN(len(from))])
		}
	}
	add(Indicator{Sender, fmt.Sprintf("user%d@gmail.com", r.IntN(1e6))})
	add(Indicator{URLHost, "www.google.com"})
	g := &gen{r: r, seed: r.Uint64()}
	for len(out) < n {
		add(g.value(kinds[r.IntN(len(kinds))]))
	}
	return out
}

// gen makes values. Values meant to be distinct are derived from a
// counter through a bijection, so they never collide by chance.
type gen struct {
	r    *rand.Rand
	seed uint64
	n    uint64
}

func (g *gen) reportID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], g.r.Uint64())
	binary.BigEndian.PutUint64(b[8:], g.r.Uint64())
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// unique returns a value no other call returns: mostly hosts, then
// sending IPs, senders, hashes and mail kits.
func (g *gen) unique() Indicator {
	switch x := g.r.IntN(100); {
	case x < 55:
		return g.value(URLHost)
	case x < 70:
		return g.value(SendingIP)
	case x < 80:
		return g.value(Sender)
	case x < 90:
		return g.value(AttachmentSHA256)
	default:
		return g.value(MailerSubject)
	}
}

func (g *gen) value(k Kind) Indicator {
	g.n++
	id := mix64(g.n ^ g.seed<<1)
	tag := strconv.FormatUint(id, 36)
	w := func() string { return genWords[g.r.IntN(len(genWords))] }
	switch k {
	case SendingIP:
		for {
			x := mix32(uint32(g.n) ^ uint32(g.seed))
			a := netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
			if public(a) {
				return Indicator{SendingIP, a.String()}
			}
			g.n++
		}
	case Sender:
		if g.r.IntN(20) == 0 {
			return Indicator{Sender, w() + "." + tag + "@" + genFree[g.r.IntN(len(genFree))]}
		}
		return Indicator{Sender, w() + "@" + w() + "-" + tag + "." + genTLDs[g.r.IntN(len(genTLDs))]}
	case AttachmentSHA256:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], id)
		binary.BigEndian.PutUint64(b[8:], g.seed)
		h := sha256.Sum256(b[:])
		return Indicator{AttachmentSHA256, hex.EncodeToString(h[:])}
	case MailerSubject:
		return Indicator{MailerSubject, genMailer[g.r.IntN(len(genMailer))] + "\x00" + genLures[g.r.IntN(len(genLures))] + " " + letters(id)}
	default:
		return Indicator{URLHost, w() + "-" + tag + "." + w() + "." + genTLDs[g.r.IntN(len(genTLDs))]}
	}
}

// mix64 is SplitMix64's finaliser and mix32 MurmurHash3's: bijections,
// so distinct counters give distinct values that look random.
func mix32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x85ebca6b
	x ^= x >> 13
	x *= 0xc2b2ae35
	x ^= x >> 16
	return x
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// letters writes x in base 26, a–z: a token a subject template keeps.
func letters(x uint64) string {
	var b []byte
	for ; x > 0; x /= 26 {
		b = append(b, byte('a'+x%26))
	}
	return string(b)
}

// batch gathers rows for one multi-row INSERT.
type batch struct {
	q     db.Querier
	into  string
	cols  int
	args  []any
	rows  int
	texts map[int]string
}

// batchRows is the rows per statement: 500 rows of three columns stay
// far below both engines' limits on parameters.
const batchRows = 500

func newBatch(q db.Querier, into string, cols int) *batch {
	return &batch{q: q, into: into, cols: cols, texts: map[int]string{}}
}

func (b *batch) full() bool { return b.rows >= batchRows }

func (b *batch) add(vals ...any) {
	b.args = append(b.args, vals...)
	b.rows++
}

func (b *batch) flush(ctx context.Context) error {
	for b.rows > 0 {
		n := min(b.rows, batchRows)
		text, ok := b.texts[n]
		if !ok {
			text = `INSERT INTO ` + b.into + ` VALUES ` + strings.TrimSuffix(strings.Repeat(db.Marks(b.cols)+", ", n), ", ")
			b.texts[n] = text
		}
		if _, err := b.q.ExecContext(ctx, text, b.args[:n*b.cols]...); err != nil {
			return fmt.Errorf("correlate: generate: %w", err)
		}
		b.args = b.args[n*b.cols:]
		b.rows -= n
	}
	b.args = b.args[:0]
	return nil
}
