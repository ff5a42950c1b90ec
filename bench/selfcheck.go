package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// benchAnswers is a fixed, realistic mix for the 25 items of the
// self-diagnosis: 13 implemented, 6 partial, 4 not implemented, 2 "don't
// know" (with the 2026-1 question set: 62 of 100, "noticeable gaps").
var benchAnswers = [25]string{
	"implemented", "partial", "implemented", "not_implemented", "implemented",
	"implemented", "partial", "implemented", "unknown", "implemented",
	"partial", "implemented", "not_implemented", "implemented", "partial",
	"implemented", "implemented", "partial", "not_implemented", "implemented",
	"partial", "implemented", "implemented", "not_implemented", "unknown",
}

// answersBody is `{"answers":{"1":"implemented",…,"25":"unknown"}}`, keys in
// item order, the same bytes for every request.
func answersBody() string {
	var b strings.Builder
	b.WriteString(`{"answers":{`)
	for i, a := range benchAnswers {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%d":"%s"`, i+1, a)
	}
	b.WriteString(`}}`)
	return b.String()
}

const scorePath = "/api/v1/selfcheck/score"

// scoreScenario is the anonymous scoring call: no cookie, no token.
func scoreScenario(base string) scenario {
	return scenario{method: "POST", url: base + scorePath, body: answersBody(),
		header: http.Header{"Content-Type": {"application/json"}}, expect: http.StatusOK}
}

func resultsPath(slug string) string { return "/api/v1/orgs/" + slug + "/selfcheck/results" }

// saveScenario stores a result for the seed organisation with an API token.
func saveScenario(base, slug, token string) scenario {
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}
	return scenario{name: "POST /api/v1/orgs/…/selfcheck/results", method: "POST", url: base + resultsPath(slug),
		body: answersBody(), header: h, expect: http.StatusCreated}
}

// fetchScore posts the answers once and returns mamori's response body and
// Content-Type, which the score ceiling replays. It also checks that the
// body is the JSON document the API promises.
func fetchScore(ctx context.Context, base string) ([]byte, string, error) {
	sc := scoreScenario(base)
	req, err := http.NewRequestWithContext(ctx, sc.method, sc.url, strings.NewReader(sc.body))
	if err != nil {
		return nil, "", err
	}
	req.Header = sc.header.Clone()
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirect, Transport: &http.Transport{Proxy: nil, DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("POST %s: status %d, want 200: %.300s", scorePath, resp.StatusCode, b)
	}
	var doc struct {
		Score *int   `json:"score"`
		Band  string `json:"band"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Score == nil {
		return nil, "", fmt.Errorf("POST %s: not the expected JSON (%v): %.300s", scorePath, err, b)
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// scoreSummary is "score 62, band noticeable_gaps" from a score response.
func scoreSummary(b []byte) string {
	var doc struct {
		Score   int               `json:"score"`
		Max     int               `json:"max"`
		Band    string            `json:"band"`
		Actions []json.RawMessage `json:"actions"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return "unparseable"
	}
	return fmt.Sprintf("score %d/%d, band %s, %d actions", doc.Score, doc.Max, doc.Band, len(doc.Actions))
}

// killCheck is the result of saving under load, killing the server with
// SIGKILL, restarting it on the same store and looking for every
// acknowledged save.
type killCheck struct {
	Clients        int            `json:"clients"`
	KilledAfterMs  float64        `json:"killed_after_ms"`
	Sent           int64          `json:"requests_sent"`
	InFlightAtKill int64          `json:"in_flight_at_kill"`
	Acknowledged   int            `json:"acknowledged"`
	TransportErrs  int64          `json:"transport_errors"`
	OtherStatuses  map[string]int `json:"other_statuses,omitempty"`
	ErrorSample    string         `json:"error_sample,omitempty"`
	RestartMs      float64        `json:"restart_to_ready_ms"`
	Listed         int            `json:"results_listed_after_restart"`
	Present        int            `json:"present_after_restart"`
	Lost           int            `json:"lost"`
	LostSample     []string       `json:"lost_sample,omitempty"`
	Pass           bool           `json:"pass"`
}

// runKillCheck loads saves with `clients` clients, sends SIGKILL to the
// server after killAfter while requests are in flight, restarts it on the
// same store and lists the organisation's results. It returns the check
// and the restarted server (nil if the restart failed), which the caller
// then owns.
func runKillCheck(ctx context.Context, srv *proc, bin string, st store, logPath, slug, token string, clients int, killAfter time.Duration) (*killCheck, *proc, error) {
	kc := &killCheck{Clients: clients, OtherStatuses: map[string]int{}}
	sc := saveScenario(srv.base, slug, token)
	stop, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu       sync.Mutex
		acked    []string
		inFlight atomic.Int64
		sent     atomic.Int64
		tErrs    atomic.Int64
		wg       sync.WaitGroup
	)
	fail := func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		if kc.ErrorSample == "" {
			kc.ErrorSample = msg
		}
	}
	for range clients {
		wg.Go(func() {
			tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
				MaxIdleConns: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, CheckRedirect: noRedirect, Timeout: 30 * time.Second}
			for stop.Err() == nil {
				req, err := http.NewRequestWithContext(ctx, sc.method, sc.url, strings.NewReader(sc.body))
				if err != nil {
					fail(err.Error())
					return
				}
				req.Header = sc.header.Clone()
				inFlight.Add(1)
				sent.Add(1)
				resp, err := c.Do(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
					resp.Body.Close()
				}
				inFlight.Add(-1)
				if ctx.Err() != nil {
					return
				}
				switch {
				case err != nil: // the kill, or a refused reconnect after it
					tErrs.Add(1)
					sleep(stop, 10*time.Millisecond)
				case resp.StatusCode != http.StatusCreated:
					mu.Lock()
					kc.OtherStatuses[strconv.Itoa(resp.StatusCode)]++
					mu.Unlock()
					fail(fmt.Sprintf("status %s: %.200s", resp.Status, body))
				default:
					var r struct {
						ID string `json:"id"`
					}
					if json.Unmarshal(body, &r) != nil || r.ID == "" {
						mu.Lock()
						kc.OtherStatuses["201 without id"]++
						mu.Unlock()
						fail(fmt.Sprintf("201 without an id: %.200s", body))
						continue
					}
					mu.Lock()
					acked = append(acked, r.ID)
					mu.Unlock()
				}
			}
		})
	}

	t0 := time.Now()
	if err := sleep(ctx, killAfter); err != nil {
		cancel()
		wg.Wait()
		return nil, nil, err
	}
	kc.InFlightAtKill = inFlight.Load()
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		cancel()
		wg.Wait()
		return nil, nil, fmt.Errorf("SIGKILL: %w", err)
	}
	kc.KilledAfterMs = ms(time.Since(t0))
	select {
	case <-srv.done:
	case <-time.After(10 * time.Second):
		cancel()
		wg.Wait()
		return nil, nil, fmt.Errorf("server pid %d still running 10 s after SIGKILL", srv.pid())
	}
	// Every response the harness can still read was written before the
	// process died; let the clients see their connections close, then stop.
	cancel()
	wg.Wait()
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	kc.Sent, kc.TransportErrs, kc.Acknowledged = sent.Load(), tErrs.Load(), len(acked)

	p, ready, err := startServer(ctx, bin, st, logPath)
	if err != nil {
		return nil, nil, fmt.Errorf("restart after kill -9: %w", err)
	}
	kc.RestartMs = ms(ready)
	ids, err := listResults(ctx, p.base, slug, token)
	if err != nil {
		return nil, p, err
	}
	kc.Listed = len(ids)
	for _, id := range acked {
		if ids[id] {
			kc.Present++
			continue
		}
		kc.Lost++
		if len(kc.LostSample) < 10 {
			kc.LostSample = append(kc.LostSample, id)
		}
	}
	kc.Pass = kc.Acknowledged > 0 && kc.Lost == 0 && kc.Present == kc.Acknowledged
	return kc, p, nil
}

// listResults returns the ids of every result the organisation has, from
// GET /api/v1/orgs/{slug}/selfcheck/results.
func listResults(ctx context.Context, base, slug, token string) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+resultsPath(slug), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{Timeout: 2 * time.Minute, CheckRedirect: noRedirect, Transport: &http.Transport{Proxy: nil}}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("GET %s: status %d, want 200: %s", resultsPath(slug), resp.StatusCode, b)
	}
	var doc struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<30)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("GET %s: %w", resultsPath(slug), err)
	}
	ids := make(map[string]bool, len(doc.Items))
	for _, it := range doc.Items {
		ids[it.ID] = true
	}
	return ids, nil
}

// createToken issues an API token for the seed account with mamori's own
// admin command; the token is the last line of its output.
func createToken(ctx context.Context, bin string, st store) (string, error) {
	tok, err := admin(ctx, bin, st, "", "create-token", "--email", benchEmail, "--name", "bench")
	if err != nil {
		return "", err
	}
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", fmt.Errorf("mamori admin create-token: unexpected last line %q", tok)
	}
	return tok, nil
}
