package journey_test

import (
	"os"
	"testing"

	"mamori/internal/browsertest"
)

// browsers gives every walk its tabs; one Chromium per language and window
// size serves the whole package. The walks run in parallel (two at a time
// on two cores): much of a walk is waiting on the browser's other
// processes, which a second walk's Go side fills.
var browsers browsertest.Pool

func TestMain(m *testing.M) {
	code := m.Run()
	browsers.Close()
	os.Exit(code)
}
