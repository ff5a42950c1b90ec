// Package journey holds the walks through the whole product in a real
// Chromium: a newcomer signing up, an SME owner taking the diagnosis,
// keeping the ledger and declaring, a coordinator running the hub, and the
// page-by-page walks that reviews asked for, in Japanese and English, at
// desktop and phone widths. It has no code of its own.
//
// They live apart from internal/app's tests so that each test binary has
// its own time budget and both run side by side: together they took most
// of the go test timeout of one package on a busy machine. The walks share
// one Chromium per language (browsertest.Pool); each user in a walk still
// gets a browser context of its own.
package journey
