//go:build !linux

package main

import "syscall"

// childAttr puts a child in its own process group. (RSS and CPU figures
// come from /proc and read as zero off Linux.)
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
