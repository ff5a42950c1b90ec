package totp

import (
	"fmt"
	"strconv"
	"strings"

	"rsc.io/qr"
)

// quietZone is the light margin, in modules, that the QR specification
// requires for reliable scanning.
const quietZone = 4

// QRSVG renders text as a standalone SVG QR code for the enrolment page.
//
// SVG rather than PNG keeps the code sharp at any zoom and lets it be inlined
// in the HTML, so the secret never goes through a separate image URL that
// could be cached or logged. Level M survives the smudges and glare of
// scanning a screen while keeping the symbol small. The markup is a white
// background plus a single path of row runs, carries no style or script so it
// passes a strict Content-Security-Policy, and has no fixed size so the page
// decides how large it is. Callers should give it an accessible name, e.g.
// by wrapping it in an element with aria-label.
func QRSVG(text string) (string, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("totp: encoding QR code: %w", err)
	}
	dim := strconv.Itoa(code.Size + 2*quietZone)

	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	b.WriteString(dim + " " + dim)
	// The page's wrapper names the image (role="img", aria-label); the
	// drawing itself is hidden from assistive technology.
	b.WriteString(`" aria-hidden="true" focusable="false" shape-rendering="crispEdges">`)
	// An explicit background keeps the quiet zone light on dark-mode pages.
	b.WriteString(`<rect width="` + dim + `" height="` + dim + `" fill="#fff"/>`)
	b.WriteString(`<path fill="#000" d="`)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < code.Size && code.Black(x, y) {
				x++
			}
			// One closed rectangle per horizontal run of dark modules.
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+quietZone, y+quietZone, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
