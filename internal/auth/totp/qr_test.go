package totp

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rsc.io/qr"
)

type svgDoc struct {
	XMLName        xml.Name   `xml:"svg"`
	NS             string     `xml:"xmlns,attr"`
	ViewBox        string     `xml:"viewBox,attr"`
	Hidden         string     `xml:"aria-hidden,attr"`
	Focusable      string     `xml:"focusable,attr"`
	ShapeRendering string     `xml:"shape-rendering,attr"`
	Attrs          []xml.Attr `xml:",any,attr"`
	Rects          []struct {
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"rect"`
	Paths []struct {
		D     string     `xml:"d,attr"`
		Fill  string     `xml:"fill,attr"`
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"path"`
}

var runRE = regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

func TestQRSVG(t *testing.T) {
	text := URI("Mamori 守り", "alice@example.jp", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	svg, err := QRSVG(text)
	if err != nil {
		t.Fatal(err)
	}
	var doc svgDoc
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("QRSVG output is not XML: %v\n%s", err, svg)
	}
	want, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	dim := want.Size + 2*quietZone
	if doc.NS != "http://www.w3.org/2000/svg" {
		t.Errorf("xmlns = %q", doc.NS)
	}
	if doc.ViewBox != fmt.Sprintf("0 0 %d %d", dim, dim) {
		t.Errorf("viewBox = %q; want 0 0 %d %d", doc.ViewBox, dim, dim)
	}
	// The page's wrapper is the image with its name; the drawing is
	// hidden from assistive technology (axe: svg-img-alt).
	if doc.Hidden != "true" || doc.Focusable != "false" || doc.ShapeRendering != "crispEdges" {
		t.Errorf("aria-hidden/focusable/shape-rendering = %q/%q/%q", doc.Hidden, doc.Focusable, doc.ShapeRendering)
	}
	if len(doc.Attrs) != 0 {
		t.Errorf("unexpected svg attributes: %v", doc.Attrs)
	}
	if len(doc.Paths) != 1 {
		t.Fatalf("got %d paths; want 1", len(doc.Paths))
	}
	if len(doc.Paths[0].Attrs) != 0 {
		t.Errorf("unexpected path attributes: %v", doc.Paths[0].Attrs)
	}
	if len(doc.Rects) != 1 {
		t.Errorf("got %d background rects; want 1", len(doc.Rects))
	}
	for _, r := range doc.Rects {
		for _, a := range r.Attrs {
			if n := a.Name.Local; n != "width" && n != "height" && n != "fill" {
				t.Errorf("unexpected rect attribute %s", n)
			}
		}
	}
	// A strict Content-Security-Policy must not have anything to block.
	for _, bad := range []string{"<script", "style=", "<style", "href"} {
		if strings.Contains(svg, bad) {
			t.Errorf("SVG contains %q", bad)
		}
	}

	// Rebuild the module grid from the path and compare it with the encoder's.
	got := make([][]bool, dim)
	for i := range got {
		got[i] = make([]bool, dim)
	}
	d := doc.Paths[0].D
	for d != "" {
		m := runRE.FindStringSubmatch(d)
		if m == nil {
			t.Fatalf("unexpected path data at %.30q", d)
		}
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		if m[3] != m[4] || w == 0 {
			t.Fatalf("run %q is not a closed rectangle", m[0])
		}
		if y >= dim || x+w > dim {
			t.Fatalf("run %q outside the %d×%d viewBox", m[0], dim, dim)
		}
		for i := x; i < x+w; i++ {
			if got[y][i] {
				t.Fatalf("module (%d,%d) drawn twice", i, y)
			}
			got[y][i] = true
		}
		d = d[len(m[0]):]
	}
	for y := range dim {
		for x := range dim {
			w := want.Black(x-quietZone, y-quietZone) // false in the quiet zone
			if got[y][x] != w {
				t.Fatalf("module (%d,%d) = %v; want %v", x, y, got[y][x], w)
			}
		}
	}
}

func TestQRSVGRunsAreMerged(t *testing.T) {
	svg, err := QRSVG("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	// Every QR code starts with a 7-module finder pattern row.
	if !strings.Contains(svg, `d="M4 4h7v1h-7z`) {
		t.Errorf("first finder row not drawn as a single run: %.200s", svg)
	}
}

func TestQRSVGTooLong(t *testing.T) {
	if _, err := QRSVG(strings.Repeat("x", 5000)); err == nil {
		t.Error("QRSVG accepted text beyond QR capacity")
	}
}
