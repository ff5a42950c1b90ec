// Package metrics is a deliberately small Prometheus registry that renders the
// text exposition format (version 0.0.4).
//
// It exists so the server can expose /metrics without depending on
// client_golang and its sizeable transitive dependency tree. Only what the
// server needs is implemented: counters, gauges, scrape-time gauge/counter
// functions, histograms, and a handful of Go runtime/process metrics.
//
// Design notes:
//   - Registration is a cold path and programmer errors there (invalid or
//     duplicate names, bad buckets) panic, so they surface in tests rather than
//     as silently missing series in production.
//   - Recording (Inc/Add/Set/Observe) is the hot path: values are float64 bits
//     updated with CAS loops, and the label-values -> series lookup is a
//     read-locked map probe that does not allocate once the series exists.
//     Passing the wrong number of label values is a programmer error and
//     panics, like client_golang's MustCurryWith/WithLabelValues.
//   - Scrapes render into a buffer and write once, so output is deterministic
//     (families sorted by name, series sorted by label values) and a slow
//     client never holds any lock.
//   - Label values must come from closed sets chosen by the caller (known
//     HTTP methods, route patterns), never from what a client sends. As a
//     backstop against a mistake there, a family holds at most MaxSeries
//     series and label values of at most MaxLabelValueBytes: anything past
//     either is counted in one series whose every label is Overflow, so
//     memory stays bounded whatever reaches a label.
package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ContentType is the media type of the text exposition format served by
// Handler. Prometheus uses the version parameter to pick its parser.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// DefBuckets are histogram upper bounds, in seconds, suited to HTTP request
// latency: fine-grained around the 1–100 ms range where most requests land,
// with a tail up to 10 s so timeouts and pathological requests are still
// distinguishable from merely slow ones. Histogram copies the slice, so
// modifying DefBuckets later does not affect registered histograms.
var DefBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// MaxSeries is the most series one labelled family keeps. It is far above
// what the server's closed label sets produce (a few hundred), so reaching
// it means a label is fed unbounded input: further label combinations are
// folded into the Overflow series instead of each costing memory forever.
const MaxSeries = 2000

// MaxLabelValueBytes is the longest label value kept as given; a series
// with a longer value is counted as Overflow. Real label values (a method,
// a route pattern, a status code) are short.
const MaxLabelValueBytes = 128

// Overflow is the value of every label of the series that counts what
// MaxSeries and MaxLabelValueBytes turned away. Seeing it in a scrape
// means some label is not drawn from a closed set.
const Overflow = "overflow"

// Registry holds metric families and renders them on scrape. The zero value is
// not usable; call NewRegistry. All methods are safe for concurrent use.
type Registry struct {
	mu       sync.Mutex
	families []family        // kept sorted by name for deterministic output
	claimed  map[string]bool // every sample name in use, incl. histogram suffixes
}

// NewRegistry returns an empty registry. Tests should use their own registry
// rather than a global one, so that duplicate-name panics stay meaningful.
func NewRegistry() *Registry {
	return &Registry{claimed: make(map[string]bool)}
}

// family is one metric family (a # HELP/# TYPE block).
type family interface {
	familyName() string
	// appendTo appends the full exposition of the family to b. Families with
	// labels but no series yet append nothing, mirroring client_golang.
	appendTo(b []byte) []byte
	// Len is the number of series the family holds.
	Len() int
}

// register validates the family's sample names and inserts it in name order.
func (r *Registry) register(f family, sampleNames ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range sampleNames {
		if r.claimed[n] {
			panic(fmt.Sprintf("metrics: duplicate registration of %q (while registering %q)", n, f.familyName()))
		}
	}
	for _, n := range sampleNames {
		r.claimed[n] = true
	}
	i := sort.Search(len(r.families), func(i int) bool { return r.families[i].familyName() >= f.familyName() })
	r.families = slices.Insert(r.families, i, f)
}

// Counter registers a monotonically increasing counter family. By Prometheus
// convention the name should end in "_total".
func (r *Registry) Counter(name, help string, labelNames ...string) *CounterVec {
	mustValidName(name)
	c := new(CounterVec)
	c.init(name, help, "counter", labelNames, false, func() *Counter { return new(Counter) })
	r.register(c, name)
	return c
}

// Gauge registers a gauge family: a value that can go up and down.
func (r *Registry) Gauge(name, help string, labelNames ...string) *GaugeVec {
	mustValidName(name)
	g := new(GaugeVec)
	g.init(name, help, "gauge", labelNames, false, func() *Gauge { return new(Gauge) })
	r.register(g, name)
	return g
}

// GaugeFunc registers an unlabelled gauge whose value is computed by fn at
// scrape time. Use it for values that already live elsewhere (pool sizes,
// queue lengths) so they need not be mirrored on every change. fn must be
// safe for concurrent use and should be fast; it runs on every scrape.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	r.funcMetric(name, help, "gauge", fn)
}

// CounterFunc is like GaugeFunc but exposes the value with TYPE counter. fn
// must return a monotonically non-decreasing value (e.g. a runtime counter).
func (r *Registry) CounterFunc(name, help string, fn func() float64) {
	r.funcMetric(name, help, "counter", fn)
}

func (r *Registry) funcMetric(name, help, typ string, fn func() float64) {
	mustValidName(name)
	if fn == nil {
		panic(fmt.Sprintf("metrics: nil func for %q", name))
	}
	r.register(&funcFamily{name: name, help: help, typ: typ, fn: fn}, name)
}

// Histogram registers a histogram family with the given bucket upper bounds,
// which must be strictly increasing. nil or empty buckets mean DefBuckets. A
// trailing +Inf bound is accepted and ignored because the +Inf bucket is
// always emitted. The label name "le" is reserved.
func (r *Registry) Histogram(name string, help string, buckets []float64, labelNames ...string) *HistogramVec {
	mustValidName(name)
	if len(buckets) == 0 {
		buckets = DefBuckets
	}
	bounds := slices.Clone(buckets)
	if n := len(bounds); n > 0 && math.IsInf(bounds[n-1], 1) {
		bounds = bounds[:n-1]
	}
	for i, b := range bounds {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= bounds[i-1]) {
			panic(fmt.Sprintf("metrics: histogram %q buckets must be finite and strictly increasing, got %v", name, buckets))
		}
	}
	h := &HistogramVec{bounds: bounds}
	h.init(name, help, "histogram", labelNames, true, func() *Histogram {
		return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
	})
	h.lePrefix = make([][]byte, len(bounds)+1)
	for i, b := range bounds {
		h.lePrefix[i] = appendFloat(nil, b)
	}
	h.lePrefix[len(bounds)] = []byte("+Inf")
	r.register(h, name, name+"_bucket", name+"_sum", name+"_count")
	return h
}

// WriteTo renders every registered family in text format 0.0.4. The output is
// built in memory first so that a slow writer never blocks recording or
// registration, and so a partial write cannot interleave with another scrape.
// It implements io.WriterTo.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(r.appendTo(nil))
	return int64(n), err
}

func (r *Registry) appendTo(b []byte) []byte {
	r.mu.Lock()
	fams := slices.Clone(r.families)
	r.mu.Unlock()
	for _, f := range fams {
		b = f.appendTo(b)
	}
	return b
}

// Series is the number of series in the registry, every family counted:
// what a scrape renders and, with MaxSeries and MaxLabelValueBytes, what
// bounds the registry's memory.
func (r *Registry) Series() int {
	r.mu.Lock()
	fams := slices.Clone(r.families)
	r.mu.Unlock()
	n := 0
	for _, f := range fams {
		n += f.Len()
	}
	return n
}

// Handler serves the registry in text format for GET and HEAD requests.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body := r.appendTo(nil)
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if req.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// ---------------------------------------------------------------------------
// Series storage shared by all vector types.

// vec maps label values to series of type S. Lookups take a read lock and
// probe the map with a key built in a stack buffer, which the compiler does
// not allocate for; only the first use of a label combination allocates.
type vec[S any] struct {
	name, help, typ string
	labelNames      []string
	newSeries       func() *S

	unlabelled *S // fast path for metrics without labels: no lock, no map

	mu       sync.RWMutex
	series   map[string]*entry[S]
	overflow *entry[S] // created when the family first overflows
}

type entry[S any] struct {
	values []string
	s      *S
}

// keySep separates label values in map keys. 0xFF never occurs in valid UTF-8,
// so distinct tuples such as ("a\xffb") vs ("a","b") only collide for invalid
// UTF-8 label values, which Prometheus rejects anyway.
const keySep = 0xff

// init validates label names and prepares storage; it runs before the family
// is published, so it needs no locking.
func (v *vec[S]) init(name, help, typ string, labelNames []string, histogram bool, newSeries func() *S) {
	seen := make(map[string]bool, len(labelNames))
	for _, l := range labelNames {
		if !validLabelName(l) {
			panic(fmt.Sprintf("metrics: invalid label name %q for %q", l, name))
		}
		if histogram && l == "le" {
			panic(fmt.Sprintf("metrics: label name \"le\" is reserved in histogram %q", name))
		}
		if seen[l] {
			panic(fmt.Sprintf("metrics: duplicate label name %q for %q", l, name))
		}
		seen[l] = true
	}
	v.name, v.help, v.typ = name, help, typ
	v.labelNames = slices.Clone(labelNames)
	v.newSeries = newSeries
	if len(labelNames) == 0 {
		// Unlabelled metrics exist from registration, so they are exported
		// as 0 before the first event; absent series confuse rate() and alerts.
		v.unlabelled = newSeries()
	} else {
		v.series = make(map[string]*entry[S])
	}
}

func (v *vec[S]) familyName() string { return v.name }

// get returns the series for labelValues, creating it on first use.
func (v *vec[S]) get(labelValues []string) *S {
	if len(labelValues) != len(v.labelNames) {
		panic(fmt.Sprintf("metrics: %q expects %d label values %v, got %d", v.name, len(v.labelNames), v.labelNames, len(labelValues)))
	}
	if v.unlabelled != nil {
		return v.unlabelled
	}
	for _, lv := range labelValues {
		if len(lv) > MaxLabelValueBytes {
			return v.overflowSeries()
		}
	}
	var buf [128]byte
	key := buf[:0]
	for i, lv := range labelValues {
		if i > 0 {
			key = append(key, keySep)
		}
		key = append(key, lv...)
	}
	v.mu.RLock()
	e := v.series[string(key)] // no allocation: map index with string(bytes)
	v.mu.RUnlock()
	if e != nil {
		return e.s
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if e := v.series[string(key)]; e != nil {
		return e.s
	}
	if len(v.series) >= MaxSeries {
		return v.overflowLocked()
	}
	// Clone each value too: a caller's string may be a slice of a much
	// larger one (a request line), which the map would otherwise keep alive.
	values := make([]string, len(labelValues))
	for i, lv := range labelValues {
		values[i] = strings.Clone(lv)
	}
	e = &entry[S]{values: values, s: v.newSeries()}
	v.series[string(key)] = e
	return e.s
}

// overflowSeries returns the family's Overflow series.
func (v *vec[S]) overflowSeries() *S {
	v.mu.RLock()
	e := v.overflow
	v.mu.RUnlock()
	if e != nil {
		return e.s
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.overflowLocked()
}

// overflowLocked is overflowSeries with v.mu held for writing. The Overflow
// series is kept apart from the map, so it never counts against MaxSeries.
func (v *vec[S]) overflowLocked() *S {
	if v.overflow == nil {
		values := make([]string, len(v.labelNames))
		for i := range values {
			values[i] = Overflow
		}
		v.overflow = &entry[S]{values: values, s: v.newSeries()}
	}
	return v.overflow.s
}

// Len is the number of series the family holds, the Overflow series
// included; an unlabelled family has one.
func (v *vec[S]) Len() int {
	if v.unlabelled != nil {
		return 1
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	n := len(v.series)
	if v.overflow != nil {
		n++
	}
	return n
}

// snapshot returns all series sorted by label values, compared element-wise
// (not by joined key) so ordering matches what a human expects.
func (v *vec[S]) snapshot() []*entry[S] {
	if v.unlabelled != nil {
		return []*entry[S]{{s: v.unlabelled}}
	}
	v.mu.RLock()
	out := make([]*entry[S], 0, len(v.series)+1)
	for _, e := range v.series {
		out = append(out, e)
	}
	if v.overflow != nil {
		out = append(out, v.overflow)
	}
	v.mu.RUnlock()
	slices.SortFunc(out, func(a, b *entry[S]) int { return slices.Compare(a.values, b.values) })
	return out
}

func (v *vec[S]) appendHeader(b []byte) []byte {
	b = append(b, "# HELP "...)
	b = append(b, v.name...)
	b = append(b, ' ')
	b = appendEscapedHelp(b, v.help)
	b = append(b, "\n# TYPE "...)
	b = append(b, v.name...)
	b = append(b, ' ')
	b = append(b, v.typ...)
	return append(b, '\n')
}

// appendSimple renders a counter or gauge family.
func appendSimple[S any](b []byte, v *vec[S], value func(*S) float64) []byte {
	entries := v.snapshot()
	if len(entries) == 0 {
		return b
	}
	b = v.appendHeader(b)
	for _, e := range entries {
		b = append(b, v.name...)
		b = appendLabels(b, v.labelNames, e.values, "", nil)
		b = append(b, ' ')
		b = appendFloat(b, value(e.s))
		b = append(b, '\n')
	}
	return b
}

// ---------------------------------------------------------------------------
// Counters.

// CounterVec is a counter family, partitioned by label values.
type CounterVec struct{ vec[Counter] }

// Counter is a single counter series. Obtain one with CounterVec.With to skip
// the label lookup on very hot paths.
type Counter struct{ v atomicFloat }

// With returns the series for labelValues, creating it if needed.
func (c *CounterVec) With(labelValues ...string) *Counter { return c.get(labelValues) }

// Inc adds 1 to the series identified by labelValues.
func (c *CounterVec) Inc(labelValues ...string) { c.get(labelValues).v.add(1) }

// Add adds v, which must be non-negative, to the series identified by
// labelValues. A negative or NaN v panics: counters that go down break rate().
func (c *CounterVec) Add(v float64, labelValues ...string) { c.get(labelValues).Add(v) }

// Inc adds 1.
func (c *Counter) Inc() { c.v.add(1) }

// Add adds v, which must be non-negative.
func (c *Counter) Add(v float64) {
	if v < 0 || math.IsNaN(v) {
		panic(fmt.Sprintf("metrics: counter cannot be decreased (Add(%v))", v))
	}
	c.v.add(v)
}

// Value returns the current value, mainly for tests.
func (c *Counter) Value() float64 { return c.v.load() }

func (c *CounterVec) appendTo(b []byte) []byte {
	return appendSimple(b, &c.vec, func(s *Counter) float64 { return s.v.load() })
}

// ---------------------------------------------------------------------------
// Gauges.

// GaugeVec is a gauge family, partitioned by label values.
type GaugeVec struct{ vec[Gauge] }

// Gauge is a single gauge series.
type Gauge struct{ v atomicFloat }

// With returns the series for labelValues, creating it if needed.
func (g *GaugeVec) With(labelValues ...string) *Gauge { return g.get(labelValues) }

// Set sets the series identified by labelValues to v.
func (g *GaugeVec) Set(v float64, labelValues ...string) { g.get(labelValues).v.store(v) }

// Add adds v (which may be negative) to the series identified by labelValues.
func (g *GaugeVec) Add(v float64, labelValues ...string) { g.get(labelValues).v.add(v) }

// Inc adds 1 to the series identified by labelValues.
func (g *GaugeVec) Inc(labelValues ...string) { g.get(labelValues).v.add(1) }

// Dec subtracts 1 from the series identified by labelValues.
func (g *GaugeVec) Dec(labelValues ...string) { g.get(labelValues).v.add(-1) }

// Set sets the gauge to v.
func (g *Gauge) Set(v float64) { g.v.store(v) }

// Add adds v (which may be negative).
func (g *Gauge) Add(v float64) { g.v.add(v) }

// Inc adds 1.
func (g *Gauge) Inc() { g.v.add(1) }

// Dec subtracts 1.
func (g *Gauge) Dec() { g.v.add(-1) }

// Value returns the current value, mainly for tests.
func (g *Gauge) Value() float64 { return g.v.load() }

func (g *GaugeVec) appendTo(b []byte) []byte {
	return appendSimple(b, &g.vec, func(s *Gauge) float64 { return s.v.load() })
}

// funcFamily is an unlabelled gauge or counter evaluated at scrape time.
type funcFamily struct {
	name, help, typ string
	fn              func() float64
}

func (f *funcFamily) familyName() string { return f.name }

// Len is 1: a function metric is one series.
func (f *funcFamily) Len() int { return 1 }

func (f *funcFamily) appendTo(b []byte) []byte {
	b = append(b, "# HELP "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = appendEscapedHelp(b, f.help)
	b = append(b, "\n# TYPE "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = append(b, f.typ...)
	b = append(b, '\n')
	b = append(b, f.name...)
	b = append(b, ' ')
	b = appendFloat(b, f.fn())
	return append(b, '\n')
}

// ---------------------------------------------------------------------------
// Histograms.

// HistogramVec is a histogram family, partitioned by label values.
type HistogramVec struct {
	vec[Histogram]
	bounds   []float64
	lePrefix [][]byte // pre-rendered le values, last is +Inf
}

// Histogram is a single histogram series. Bucket counts are stored
// non-cumulatively (one atomic increment per observation) and accumulated at
// scrape time; _count is derived from the buckets so that it always equals
// the +Inf bucket even while observations race with a scrape.
type Histogram struct {
	bounds []float64
	counts []atomic.Uint64 // len(bounds)+1; last is the +Inf overflow bucket
	sum    atomicFloat
}

// With returns the series for labelValues, creating it if needed.
func (h *HistogramVec) With(labelValues ...string) *Histogram { return h.get(labelValues) }

// Observe records v in the series identified by labelValues.
func (h *HistogramVec) Observe(v float64, labelValues ...string) { h.get(labelValues).Observe(v) }

// Observe records v. Values equal to a bound fall in that bucket (le is
// inclusive); NaN lands only in +Inf, matching client_golang.
func (h *Histogram) Observe(v float64) {
	// Bucket lists are short; a linear scan beats binary search in practice.
	i := 0
	for i < len(h.bounds) && !(v <= h.bounds[i]) {
		i++
	}
	h.counts[i].Add(1)
	h.sum.add(v)
}

// Count returns the number of observations, mainly for tests.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Sum returns the sum of observations, mainly for tests.
func (h *Histogram) Sum() float64 { return h.sum.load() }

func (h *HistogramVec) appendTo(b []byte) []byte {
	entries := h.snapshot()
	if len(entries) == 0 {
		return b
	}
	b = h.appendHeader(b)
	for _, e := range entries {
		s := e.s
		var cum uint64
		for i := range s.counts {
			cum += s.counts[i].Load()
			b = append(b, h.name...)
			b = append(b, "_bucket"...)
			b = appendLabels(b, h.labelNames, e.values, "le", h.lePrefix[i])
			b = append(b, ' ')
			b = strconv.AppendUint(b, cum, 10)
			b = append(b, '\n')
		}
		b = append(b, h.name...)
		b = append(b, "_sum"...)
		b = appendLabels(b, h.labelNames, e.values, "", nil)
		b = append(b, ' ')
		b = appendFloat(b, s.sum.load())
		b = append(b, '\n')
		b = append(b, h.name...)
		b = append(b, "_count"...)
		b = appendLabels(b, h.labelNames, e.values, "", nil)
		b = append(b, ' ')
		b = strconv.AppendUint(b, cum, 10)
		b = append(b, '\n')
	}
	return b
}

// ---------------------------------------------------------------------------
// Go runtime and process metrics.

// processStart approximates the process start time. It is taken at package
// initialisation, which runs before main and within milliseconds of exec, and
// avoids parsing /proc/self/stat against the boot time and USER_HZ.
var processStart = time.Now()

// RegisterGoCollector registers the standard Go runtime and process metrics
// under their client_golang names, so existing dashboards keep working.
// Values come from runtime/metrics rather than runtime.ReadMemStats, because
// ReadMemStats stops the world and scrapes should not pause the server.
// process_resident_memory_bytes is registered only where /proc/self/statm is
// readable (Linux). Calling it twice on one registry panics (duplicate names).
func (r *Registry) RegisterGoCollector() {
	r.GaugeFunc("go_goroutines", "Number of goroutines that currently exist.",
		func() float64 { return float64(runtime.NumGoroutine()) })
	r.GaugeFunc("go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.",
		runtimeMetric("/memory/classes/heap/objects:bytes"))
	r.GaugeFunc("go_memstats_sys_bytes", "Number of bytes obtained from system.",
		runtimeMetric("/memory/classes/total:bytes"))
	r.CounterFunc("go_gc_cycles_total", "Number of completed GC cycles.",
		runtimeMetric("/gc/cycles/total:gc-cycles"))
	start := float64(processStart.UnixNano()) / 1e9
	r.GaugeFunc("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
		func() float64 { return start })
	if _, err := residentMemory(); err == nil {
		r.GaugeFunc("process_resident_memory_bytes", "Resident memory size in bytes.",
			func() float64 {
				v, err := residentMemory()
				if err != nil {
					return math.NaN()
				}
				return v
			})
	}
}

// runtimeMetric returns a scrape-time reader for one runtime/metrics value.
// An unknown name (possible across Go versions) reads as NaN rather than
// failing the whole scrape.
func runtimeMetric(name string) func() float64 {
	return func() float64 {
		s := []rtmetrics.Sample{{Name: name}}
		rtmetrics.Read(s)
		switch s[0].Value.Kind() {
		case rtmetrics.KindUint64:
			return float64(s[0].Value.Uint64())
		case rtmetrics.KindFloat64:
			return s[0].Value.Float64()
		default:
			return math.NaN()
		}
	}
}

// residentMemory reads the resident set size from /proc/self/statm, whose
// second field is the number of resident pages.
func residentMemory() (float64, error) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0, fmt.Errorf("metrics: unexpected /proc/self/statm content %q", data)
	}
	pages, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return float64(pages) * float64(os.Getpagesize()), nil
}

// ---------------------------------------------------------------------------
// Helpers.

// atomicFloat is a float64 updated lock-free via its IEEE-754 bits.
type atomicFloat struct{ bits atomic.Uint64 }

func (f *atomicFloat) load() float64   { return math.Float64frombits(f.bits.Load()) }
func (f *atomicFloat) store(v float64) { f.bits.Store(math.Float64bits(v)) }

func (f *atomicFloat) add(v float64) {
	for {
		old := f.bits.Load()
		if f.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// appendFloat renders v the way Prometheus parses it: shortest round-trip
// representation, with the spellings +Inf, -Inf and NaN.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendLabels renders {n1="v1",...} plus an optional extra pair (used for
// le), or nothing when there are no labels at all.
func appendLabels(b []byte, names, values []string, extraName string, extraValue []byte) []byte {
	if len(names) == 0 && extraName == "" {
		return b
	}
	b = append(b, '{')
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n...)
		b = append(b, `="`...)
		b = appendEscapedLabelValue(b, values[i])
		b = append(b, '"')
	}
	if extraName != "" {
		if len(names) > 0 {
			b = append(b, ',')
		}
		b = append(b, extraName...)
		b = append(b, `="`...)
		b = append(b, extraValue...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// appendEscapedLabelValue escapes backslash, double quote and newline, the
// only escapes the 0.0.4 format defines for label values.
func appendEscapedLabelValue(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendEscapedHelp escapes backslash and newline; quotes are literal in HELP.
func appendEscapedHelp(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func mustValidName(name string) {
	if !validMetricName(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
}

// validMetricName reports whether name matches [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// validLabelName reports whether name matches [a-zA-Z_][a-zA-Z0-9_]* and does
// not use the "__" prefix Prometheus reserves for internal labels.
func validLabelName(name string) bool {
	if name == "" || strings.HasPrefix(name, "__") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Compile-time check that Registry satisfies io.WriterTo.
var _ io.WriterTo = (*Registry)(nil)
