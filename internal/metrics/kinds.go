package metrics

import (
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
)

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
