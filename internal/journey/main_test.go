package journey_test

import (
	"os"
	"testing"

	"mamori/internal/browsertest"
)

// browsers gives every walk its tabs; one Chromium per language and window
// size serves the whole package.
var browsers browsertest.Pool

func TestMain(m *testing.M) {
	code := m.Run()
	browsers.Close()
	os.Exit(code)
}
