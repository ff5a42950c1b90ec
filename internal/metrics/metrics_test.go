package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

func render(t *testing.T, r *Registry) string {
	t.Helper()
	var buf bytes.Buffer
	n, err := r.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if int(n) != buf.Len() {
		t.Fatalf("WriteTo returned n=%d, wrote %d bytes", n, buf.Len())
	}
	return buf.String()
}

func TestExposition(t *testing.T) {
	r := NewRegistry()
	req := r.Counter("http_requests_total", "Total HTTP requests.\nBy method and code, C:\\ path.", "method", "code")
	req.Inc("GET", "200")
	req.Inc("GET", "200")
	req.Add(3, "POST", "500")
	req.Inc("GET", "404")

	esc := r.Counter("weird_total", "Label escaping.", "v")
	esc.Inc("a\"b\\c\nd")

	inflight := r.Gauge("http_in_flight", "Requests in flight.")
	inflight.Inc()
	inflight.Inc()
	inflight.Dec()

	temp := r.Gauge("temp_celsius", "Temperature.", "room")
	temp.Set(-1.5, "kitchen")
	temp.Set(math.Inf(1), "oven")

	r.GaugeFunc("queue_length", "Items queued.", func() float64 { return 42 })

	lat := r.Histogram("http_request_duration_seconds", "Latency.", []float64{0.1, 0.5, 1}, "route")
	lat.Observe(0.05, "/a")
	lat.Observe(0.1, "/a") // boundary is inclusive
	lat.Observe(0.7, "/a")
	lat.Observe(3, "/a")
	lat.Observe(0.2, "/b")

	// Labelled families with no series yet are omitted entirely.
	r.Counter("unused_total", "Never incremented.", "x")

	want := `# HELP http_in_flight Requests in flight.
# TYPE http_in_flight gauge
http_in_flight 1
# HELP http_request_duration_seconds Latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{route="/a",le="0.1"} 2
http_request_duration_seconds_bucket{route="/a",le="0.5"} 2
http_request_duration_seconds_bucket{route="/a",le="1"} 3
http_request_duration_seconds_bucket{route="/a",le="+Inf"} 4
http_request_duration_seconds_sum{route="/a"} 3.85
http_request_duration_seconds_count{route="/a"} 4
http_request_duration_seconds_bucket{route="/b",le="0.1"} 0
http_request_duration_seconds_bucket{route="/b",le="0.5"} 1
http_request_duration_seconds_bucket{route="/b",le="1"} 1
http_request_duration_seconds_bucket{route="/b",le="+Inf"} 1
http_request_duration_seconds_sum{route="/b"} 0.2
http_request_duration_seconds_count{route="/b"} 1
# HELP http_requests_total Total HTTP requests.\nBy method and code, C:\\ path.
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200"} 2
http_requests_total{method="GET",code="404"} 1
http_requests_total{method="POST",code="500"} 3
# HELP queue_length Items queued.
# TYPE queue_length gauge
queue_length 42
# HELP temp_celsius Temperature.
# TYPE temp_celsius gauge
temp_celsius{room="kitchen"} -1.5
temp_celsius{room="oven"} +Inf
# HELP weird_total Label escaping.
# TYPE weird_total counter
weird_total{v="a\"b\\c\nd"} 1
`
	if got := render(t, r); got != want {
		t.Errorf("exposition mismatch\n--- got ---\n%s\n--- want ---\n%s", got, want)
	}
}

func TestUnlabelledExportedAtZero(t *testing.T) {
	r := NewRegistry()
	r.Counter("c_total", "c")
	r.Histogram("h_seconds", "h", nil)
	got := render(t, r)
	for _, line := range []string{"c_total 0\n", `h_seconds_bucket{le="0.001"} 0`, `h_seconds_bucket{le="10"} 0`, `h_seconds_bucket{le="+Inf"} 0`, "h_seconds_sum 0\n", "h_seconds_count 0\n"} {
		if !strings.Contains(got, line) {
			t.Errorf("missing %q in\n%s", line, got)
		}
	}
}

func TestSeriesSortedByLabelTuple(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("x_total", "x", "a", "b")
	// Sorting the joined key would put "ab" before "a"+sep; tuples must not.
	c.Inc("ab", "a")
	c.Inc("a", "z")
	c.Inc("", "q")
	got := render(t, r)
	want := "x_total{a=\"\",b=\"q\"} 1\nx_total{a=\"a\",b=\"z\"} 1\nx_total{a=\"ab\",b=\"a\"} 1\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("got\n%s\nwant suffix\n%s", got, want)
	}
}

func TestHistogramTrailingInfAndValues(t *testing.T) {
	r := NewRegistry()
	h := r.Histogram("h", "h", []float64{1, math.Inf(1)})
	s := h.With()
	s.Observe(0.5)
	s.Observe(2)
	s.Observe(math.NaN())
	if s.Count() != 3 {
		t.Errorf("Count = %d, want 3", s.Count())
	}
	got := render(t, r)
	for _, line := range []string{`h_bucket{le="1"} 1`, `h_bucket{le="+Inf"} 3`, "h_sum NaN", "h_count 3"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing %q in\n%s", line, got)
		}
	}
	if strings.Count(got, `le="+Inf"`) != 1 {
		t.Errorf("+Inf bucket duplicated:\n%s", got)
	}
}

var lineRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+$`)

func TestLineFormat(t *testing.T) {
	r := NewRegistry()
	r.RegisterGoCollector()
	c := r.Counter("ops_total", "Ops with a \"quoted\" help.", "kind")
	c.Inc("has space")
	c.Inc("quote\"back\\slash\nnewline")
	r.Gauge("g", "g", "l").Set(1e-9, "x")
	r.Histogram("lat_seconds", "l", DefBuckets, "route").Observe(0.3, "/")
	out := render(t, r)
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end in newline")
	}
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !lineRE.MatchString(line) {
			t.Errorf("line %d does not match exposition grammar: %q", i+1, line)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "go_memstats_sys_bytes", "go_gc_cycles_total", "process_start_time_seconds"} {
		if !strings.Contains(out, "\n"+name+" ") {
			t.Errorf("missing %s", name)
		}
		if strings.Contains(out, "\n"+name+" NaN") {
			t.Errorf("%s is NaN", name)
		}
	}
	if _, err := residentMemory(); err == nil && !strings.Contains(out, "\nprocess_resident_memory_bytes ") {
		t.Errorf("missing process_resident_memory_bytes although /proc/self/statm is readable")
	}
	if !strings.Contains(out, "# TYPE go_gc_cycles_total counter\n") {
		t.Errorf("go_gc_cycles_total should be a counter")
	}
}

func TestConcurrent(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("c_total", "c", "worker")
	shared := r.Counter("shared_total", "s")
	g := r.Gauge("g", "g", "k")
	h := r.Histogram("h", "h", []float64{1, 2}, "k")
	const workers, iters = 8, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() { // scrape concurrently with writers
		defer close(scraped)
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = r.WriteTo(io.Discard)
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			label := fmt.Sprint(w % 3) // overlapping series across goroutines
			for range iters {
				c.Inc(label)
				shared.Add(0.5)
				g.Inc("k")
				g.Dec("k")
				g.Add(1, "up")
				h.Observe(1.5, label)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-scraped

	var total float64
	for i := range 3 {
		total += c.With(fmt.Sprint(i)).Value()
	}
	if total != workers*iters {
		t.Errorf("counter total = %v, want %d", total, workers*iters)
	}
	if v := shared.With().Value(); v != workers*iters/2 {
		t.Errorf("shared = %v, want %d", v, workers*iters/2)
	}
	if v := g.With("k").Value(); v != 0 {
		t.Errorf("gauge k = %v, want 0", v)
	}
	if v := g.With("up").Value(); v != workers*iters {
		t.Errorf("gauge up = %v, want %d", v, workers*iters)
	}
	var n uint64
	var sum float64
	for i := range 3 {
		n += h.With(fmt.Sprint(i)).Count()
		sum += h.With(fmt.Sprint(i)).Sum()
	}
	if n != workers*iters || sum != 1.5*workers*iters {
		t.Errorf("histogram count=%d sum=%v, want %d and %v", n, sum, workers*iters, 1.5*workers*iters)
	}
}

func TestHotPathDoesNotAllocate(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("c_total", "c", "method", "code")
	h := r.Histogram("h", "h", nil, "route")
	c.Inc("GET", "200")
	h.Observe(0.1, "/")
	allocs := testing.AllocsPerRun(1000, func() {
		c.Inc("GET", "200")
		h.Observe(0.01, "/")
	})
	if allocs != 0 {
		t.Errorf("hot path allocates %v times per run, want 0", allocs)
	}
}

func TestHandler(t *testing.T) {
	r := NewRegistry()
	r.Counter("hits_total", "Hits.").Inc()
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if want := "# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total 1\n"; string(body) != want {
		t.Errorf("body = %q, want %q", body, want)
	}

	resp, err = http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", resp.StatusCode)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("boom") }

func TestWriteToPropagatesError(t *testing.T) {
	r := NewRegistry()
	r.Counter("a_total", "a")
	if _, err := r.WriteTo(failWriter{}); err == nil || err.Error() != "boom" {
		t.Errorf("err = %v, want boom", err)
	}
}

func TestProgrammerErrorsPanic(t *testing.T) {
	cases := map[string]func(r *Registry){
		"duplicate name": func(r *Registry) {
			r.Counter("a_total", "a")
			r.Gauge("a_total", "a")
		},
		"duplicate func name": func(r *Registry) {
			r.Gauge("a", "a")
			r.GaugeFunc("a", "a", func() float64 { return 0 })
		},
		"histogram suffix collision": func(r *Registry) {
			r.Histogram("lat", "l", nil)
			r.Counter("lat_count", "c")
		},
		"histogram collides with earlier": func(r *Registry) {
			r.Gauge("lat_sum", "g")
			r.Histogram("lat", "l", nil)
		},
		"too few labels":        func(r *Registry) { r.Counter("a_total", "a", "x", "y").Inc("1") },
		"too many labels":       func(r *Registry) { r.Gauge("a", "a").Set(1, "extra") },
		"histogram label count": func(r *Registry) { r.Histogram("h", "h", nil, "x").Observe(1) },
		"invalid metric name":   func(r *Registry) { r.Counter("1abc", "a") },
		"empty metric name":     func(r *Registry) { r.Gauge("", "a") },
		"invalid label name":    func(r *Registry) { r.Counter("a", "a", "bad-label") },
		"reserved label name":   func(r *Registry) { r.Counter("a", "a", "__name") },
		"duplicate label name":  func(r *Registry) { r.Counter("a", "a", "x", "x") },
		"le in histogram":       func(r *Registry) { r.Histogram("h", "h", nil, "le") },
		"unsorted buckets":      func(r *Registry) { r.Histogram("h", "h", []float64{1, 0.5}) },
		"equal buckets":         func(r *Registry) { r.Histogram("h", "h", []float64{1, 1}) },
		"NaN bucket":            func(r *Registry) { r.Histogram("h", "h", []float64{math.NaN()}) },
		"negative counter add":  func(r *Registry) { r.Counter("a_total", "a").Add(-1) },
		"NaN counter add":       func(r *Registry) { r.Counter("a_total", "a").Add(math.NaN()) },
		"nil gauge func":        func(r *Registry) { r.GaugeFunc("a", "a", nil) },
		"go collector twice": func(r *Registry) {
			r.RegisterGoCollector()
			r.RegisterGoCollector()
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("expected panic")
				}
			}()
			fn(NewRegistry())
		})
	}
}

func TestDefBucketsCopied(t *testing.T) {
	r := NewRegistry()
	h := r.Histogram("h", "h", DefBuckets)
	old := DefBuckets[0]
	DefBuckets[0] = 99
	defer func() { DefBuckets[0] = old }()
	h.Observe(0.0005)
	if !strings.Contains(render(t, r), `h_bucket{le="0.001"} 1`) {
		t.Errorf("histogram bounds alias DefBuckets")
	}
}

// TestSeriesBounded feeds a family label values no closed set would hold
// (every request a new one, some of them 32 KB long, as a client choosing
// its HTTP method could): the family keeps at most MaxSeries series plus
// the Overflow one, no kept value is longer than MaxLabelValueBytes, and
// once full, recording a new combination allocates nothing.
func TestSeriesBounded(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("req_total", "r", "method", "route")
	h := r.Histogram("lat_seconds", "l", nil, "route")
	long := strings.Repeat("X", 32<<10)
	for i := range 3 * MaxSeries {
		m := fmt.Sprintf("M%d", i)
		if i%7 == 0 {
			m = long + m // a long value is never kept, even below the cap
		}
		c.Inc(m, "unmatched")
		h.Observe(0.1, m)
	}
	if n := c.Len(); n != MaxSeries+1 {
		t.Fatalf("counter holds %d series, want MaxSeries+overflow = %d", n, MaxSeries+1)
	}
	if n := h.Len(); n != MaxSeries+1 {
		t.Fatalf("histogram holds %d series, want %d", n, MaxSeries+1)
	}
	if got, want := r.Series(), 2*(MaxSeries+1); got != want {
		t.Fatalf("registry series %d, want %d", got, want)
	}
	out := render(t, r)
	if !strings.Contains(out, `req_total{method="overflow",route="overflow"} `) || !strings.Contains(out, `lat_seconds_count{route="overflow"} `) {
		t.Fatal("no overflow series in the exposition")
	}
	for _, line := range strings.Split(out, "\n") {
		if len(line) > 2*MaxLabelValueBytes+100 {
			t.Fatalf("a line of %d bytes: a long label value was kept", len(line))
		}
	}
	// Every one of the 3*MaxSeries increments is counted somewhere.
	var total float64
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "req_total{") {
			var v float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			total += v
		}
	}
	if total != 3*MaxSeries {
		t.Fatalf("counted %v increments, want %d", total, 3*MaxSeries)
	}
	fresh := "never-seen"
	if a := testing.AllocsPerRun(100, func() { c.Inc(fresh, "x"); c.Inc(long, "x") }); a != 0 {
		t.Fatalf("recording into a full family allocates %v times", a)
	}
}

// TestLabelValuesNotRetainedBySubstring checks that a kept label value
// does not pin the larger string it was cut from (as r.Method pins the
// request line): the registry copies what it keeps.
func TestLabelValuesNotRetainedBySubstring(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("x_total", "x", "v")
	big := strings.Repeat("a", 1<<20)
	c.Inc(big[:3])
	for _, e := range c.snapshot() {
		if unsafe.StringData(e.values[0]) == unsafe.StringData(big) {
			t.Fatal("label value shares the caller's backing array")
		}
	}
}

// TestOverflowConcurrent races new label combinations past MaxSeries with
// scrapes: the family ends at exactly MaxSeries+1 series and counts every
// increment (run with -race).
func TestOverflowConcurrent(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("c_total", "c", "v")
	var wg sync.WaitGroup
	const workers, each = 4, MaxSeries
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c.Inc(fmt.Sprintf("%d-%d", w, i))
				if i%500 == 0 {
					r.WriteTo(io.Discard)
				}
			}
		}()
	}
	wg.Wait()
	if n := c.Len(); n != MaxSeries+1 {
		t.Fatalf("%d series", n)
	}
	var total float64
	for _, e := range c.snapshot() {
		total += e.s.Value()
	}
	if total != workers*each {
		t.Fatalf("counted %v, want %d", total, workers*each)
	}
}
