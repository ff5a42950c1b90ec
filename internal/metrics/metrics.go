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
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
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

// Compile-time check that Registry satisfies io.WriterTo.
var _ io.WriterTo = (*Registry)(nil)
