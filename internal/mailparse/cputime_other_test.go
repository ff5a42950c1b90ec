//go:build !linux

package mailparse

import "time"

// threadCPU runs f; only Linux tells a thread's processor time, so
// elsewhere it reports none and the bound that uses it always holds.
func threadCPU(f func()) time.Duration {
	f()
	return 0
}
