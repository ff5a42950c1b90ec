package sharing

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/mailparse"
)

// Parse bounds. Parsing a reported mail of up to 25 MB takes up to a few
// times its size in memory for a moment (docs/mailparse.md); uploads,
// the coordinators' review page and the share proposal all parse, so
// without a bound the memory a burst of them takes grows with the burst
// (three 24 MB uploads at once peaked at 1.1 GB before headers were
// bounded). At most DefaultMaxParses mails are parsed at once; a request
// waits its turn for at most DefaultParseWait, then is answered 503 with
// a message to try again.
const (
	DefaultParseWait = 20 * time.Second
)

// DefaultMaxParses is GOMAXPROCS, at most 2: parsing is CPU-bound, so
// more at once would not finish sooner, only hold more memory.
func DefaultMaxParses() int { return min(runtime.GOMAXPROCS(0), 2) }

// parseGate is the semaphore on parsing. A request that parses several
// mails (an upload, a proposal) takes one slot for all of them, so it
// never waits again half-way, nor inside a database transaction.
type parseGate struct {
	slots chan struct{}
	wait  time.Duration
	// running and peak count parses in progress and the most seen at
	// once, waiting the requests waiting for a slot: for the tests.
	running, peak, waiting atomic.Int64
	// parse is mailparse.ParseBytes; tests replace it to hold parses open.
	parse func([]byte, mailparse.Options) (*mailparse.Message, error)
}

func newParseGate(n int, wait time.Duration) *parseGate {
	if n <= 0 {
		n = DefaultMaxParses()
	}
	if wait <= 0 {
		wait = DefaultParseWait
	}
	return &parseGate{slots: make(chan struct{}, n), wait: wait, parse: mailparse.ParseBytes}
}

// errParseBusy is the answer when no slot freed up in time: 503, with a
// translated message to try again (the error handler shows the message
// of every code but Internal).
func errParseBusy() error {
	return apperr.New(apperr.TooMany, "sharing.err.busy").WithStatus(503)
}

type heldSlot struct{}

// hold takes a parse slot for the rest of a request's work, waiting at
// most the gate's wait and as long as the request lives. The context it
// returns carries the slot, so the parses made with it do not take
// another. release gives the slot back; call it once.
func (g *parseGate) hold(ctx context.Context) (context.Context, func(), error) {
	if ctx.Value(heldSlot{}) != nil {
		return ctx, func() {}, nil
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case g.slots <- struct{}{}:
	case <-t.C:
		return ctx, nil, errParseBusy()
	case <-ctx.Done():
		return ctx, nil, ctx.Err()
	}
	return context.WithValue(ctx, heldSlot{}, true), func() { <-g.slots }, nil
}

// parseBytes parses one mail within a slot: the caller's when ctx holds
// one, else its own for this parse.
func (g *parseGate) parseBytes(ctx context.Context, data []byte, opts mailparse.Options) (*mailparse.Message, error) {
	_, release, err := g.hold(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	return g.parse(data, opts)
}

// parses is the service's gate, made on first use from MaxParses and
// ParseWait.
func (s *Service) parses() *parseGate {
	s.gateOnce.Do(func() { s.gate = newParseGate(s.MaxParses, s.ParseWait) })
	return s.gate
}

// holdParse takes a parse slot for the rest of a request's work (see
// parseGate.hold).
func (s *Service) holdParse(ctx context.Context) (context.Context, func(), error) {
	return s.parses().hold(ctx)
}
