// Package sharing is the threat-information sharing hub (J-CSIP, see
// docs/sharing.md): member organisations under NDA, grouped in SIGs,
// report suspicious mail; coordinators (analysts) sanitise and release
// it to the SIGs; members see what their SIGs and the TLP allow.
package sharing

import (
	"embed"
	"io/fs"
)

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }
