package metrics

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

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
