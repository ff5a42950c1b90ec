package assets

import (
	"embed"
	"io/fs"
)

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs (validation messages and
// the wording of the importance rules).
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }
