package metrics

import (
	"fmt"
	"math"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
	"time"
)

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
