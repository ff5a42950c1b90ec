package main

import (
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// scenario is one request shape replayed by every client in a closed loop.
type scenario struct {
	name    string
	clients int
	method  string
	url     string
	urls    []string // when set, the clients take these in turn instead of url
	body    string
	header  http.Header
	expect  int // any other status, or a transport error, is an error
	pid     int // the process under test, for its CPU use
	// lean: use the lean client (rawclient.go) instead of net/http's.
	lean bool
}

type loadResult struct {
	Name              string         `json:"name"`
	Clients           int            `json:"clients"`
	Seconds           float64        `json:"seconds"`
	Requests          int            `json:"requests"`
	Errors            int            `json:"errors"`
	RPS               float64        `json:"rps"`
	MeanMs            float64        `json:"mean_ms"`
	P50Ms             float64        `json:"p50_ms"`
	P90Ms             float64        `json:"p90_ms"`
	P99Ms             float64        `json:"p99_ms"`
	MaxMs             float64        `json:"max_ms"`
	Statuses          map[string]int `json:"statuses"`
	ErrorSample       string         `json:"error_sample,omitempty"`
	Connections       int64          `json:"connections"`
	ServerCPU         float64        `json:"server_cpu_cores"`
	GenCPU            float64        `json:"loadgen_cpu_cores"`
	ServerCPUPerReqMs float64        `json:"server_cpu_ms_per_request"`
}

// clientStats is what one client goroutine collects; only requests that
// complete inside the measured window are counted.
type clientStats struct {
	lat      []time.Duration
	errors   int
	statuses map[string]int
	sample   string
}

// runLoad drives sc with sc.clients concurrent clients, each on its own
// keep-alive connection: warmup first (unrecorded), then duration
// (recorded). No request starts after the deadline; those in flight then
// finish (so the server sees no aborted requests) but are not counted.
func runLoad(ctx context.Context, sc scenario, warmup, duration time.Duration) (*loadResult, error) {
	var dials atomic.Int64
	start := time.Now()
	mStart := start.Add(warmup)
	mEnd := mStart.Add(duration)
	lctx, cancel := context.WithDeadline(ctx, mEnd)
	defer cancel()

	stats := make([]*clientStats, sc.clients)
	var wg sync.WaitGroup
	for i := range sc.clients {
		cs := &clientStats{lat: make([]time.Duration, 0, 1<<14), statuses: map[string]int{}}
		stats[i] = cs
		if sc.lean {
			wg.Go(func() { leanClient(ctx, lctx, sc, i, cs, mStart, mEnd, &dials) })
		} else {
			wg.Go(func() { client(ctx, lctx, sc, i, cs, mStart, mEnd, &dials) })
		}
	}

	// CPU snapshots bracket the measured window.
	var srv0, gen0 time.Duration
	if err := sleep(lctx, time.Until(mStart)); err != nil && ctx.Err() != nil {
		wg.Wait()
		return nil, ctx.Err()
	}
	srv0, gen0 = procCPU(sc.pid), selfCPU()
	<-lctx.Done()
	srv1, gen1 := procCPU(sc.pid), selfCPU()
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	secs := duration.Seconds()
	r := &loadResult{Name: sc.name, Clients: sc.clients, Seconds: secs, Statuses: map[string]int{}, Connections: dials.Load()}
	var all []time.Duration
	for _, cs := range stats {
		all = append(all, cs.lat...)
		r.Errors += cs.errors
		for k, v := range cs.statuses {
			r.Statuses[k] += v
		}
		if r.ErrorSample == "" {
			r.ErrorSample = cs.sample
		}
	}
	slices.Sort(all)
	r.Requests = len(all)
	r.RPS = float64(len(all)) / secs
	if len(all) > 0 {
		var sum time.Duration
		for _, d := range all {
			sum += d
		}
		r.MeanMs = ms(sum / time.Duration(len(all)))
		r.P50Ms, r.P90Ms, r.P99Ms = ms(pct(all, 0.50)), ms(pct(all, 0.90)), ms(pct(all, 0.99))
		r.MaxMs = ms(all[len(all)-1])
	}
	r.ServerCPU = (srv1 - srv0).Seconds() / secs
	r.GenCPU = (gen1 - gen0).Seconds() / secs
	if r.Requests > 0 {
		r.ServerCPUPerReqMs = ms(srv1-srv0) / float64(r.Requests)
	}
	return r, nil
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// client is one closed-loop user: send, read the whole response, repeat
// until stop ends. Requests run under ctx, which only Ctrl-C cancels.
func client(ctx, stop context.Context, sc scenario, id int, cs *clientStats, mStart, mEnd time.Time, dials *atomic.Int64) {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // loopback only, never through a proxy from the environment
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        1,
		MaxIdleConnsPerHost: 1, // each client has its own transport: one connection
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: noRedirect, Timeout: 30 * time.Second}
	header := sc.header.Clone() // reused by this client's requests, one at a time
	next := id                  // this client's place in sc.urls: together the clients sweep it
	for stop.Err() == nil {
		u := sc.url
		if len(sc.urls) > 0 {
			u = sc.urls[next%len(sc.urls)]
			next += sc.clients
		}
		var body io.Reader
		if sc.body != "" {
			body = strings.NewReader(sc.body)
		}
		req, err := http.NewRequestWithContext(ctx, sc.method, u, body)
		if err != nil {
			cs.fail(err.Error())
			return
		}
		req.Header = header
		t0 := time.Now()
		resp, err := c.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		t1 := time.Now()
		if ctx.Err() != nil {
			return
		}
		counted := !t1.Before(mStart) && !t1.After(mEnd) // completed in the window
		switch {
		case err != nil:
			if counted {
				cs.fail(err.Error())
			}
			sleep(stop, 10*time.Millisecond) // no hot spin on a dead server
		case resp.StatusCode != sc.expect:
			if counted {
				cs.statuses[strconv.Itoa(resp.StatusCode)]++
				cs.fail("status " + resp.Status)
			}
		case counted:
			cs.statuses[strconv.Itoa(resp.StatusCode)]++
			cs.lat = append(cs.lat, t1.Sub(t0))
		}
	}
}

// leanClient is client with the lean HTTP client: the same closed loop,
// the same accounting.
func leanClient(ctx, stop context.Context, sc scenario, id int, cs *clientStats, mStart, mEnd time.Time, dials *atomic.Int64) {
	urls := sc.urls
	if len(urls) == 0 {
		urls = []string{sc.url}
	}
	reqs := make([][]byte, len(urls))
	var addr string
	for i, u := range urls {
		req, host, err := rawRequest(sc, u)
		if err != nil {
			cs.fail(err.Error())
			return
		}
		reqs[i], addr = req, host
	}
	c := &rawConn{addr: addr, dials: dials}
	defer c.close()
	next := id
	for stop.Err() == nil {
		req := reqs[next%len(reqs)]
		next += sc.clients
		t0 := time.Now()
		status, err := c.do(ctx, req)
		t1 := time.Now()
		if ctx.Err() != nil {
			return
		}
		counted := !t1.Before(mStart) && !t1.After(mEnd)
		switch {
		case err != nil:
			if counted {
				cs.fail(err.Error())
			}
			sleep(stop, 10*time.Millisecond)
		case status != sc.expect:
			if counted {
				cs.statuses[strconv.Itoa(status)]++
				cs.fail("status " + strconv.Itoa(status))
			}
		case counted:
			cs.statuses[strconv.Itoa(status)]++
			cs.lat = append(cs.lat, t1.Sub(t0))
		}
	}
}

func (cs *clientStats) fail(msg string) {
	cs.errors++
	if cs.sample == "" {
		cs.sample = msg
	}
}
