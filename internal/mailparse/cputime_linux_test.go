package mailparse

import (
	"runtime"
	"syscall"
	"time"
)

// threadCPU runs f on a goroutine locked to its thread and returns the
// processor time that thread used: f's own work and its share of garbage
// collection, which other processes on a busy machine do not inflate as
// they do the clock.
func threadCPU(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	used := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(1, &ru); err != nil { // RUSAGE_THREAD
			panic(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := used()
	f()
	return used() - start
}
