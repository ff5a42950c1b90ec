package mailparse

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"testing"
)

// hostileZip64 builds archives whose ZIP64 records point far past the
// end: a record offset near 2^64, or a directory offset near 2^64 in a
// well-formed record. Adding such offsets before comparing wraps around.
func hostileZip64() [][]byte {
	eocd := make([]byte, 22)
	binary.LittleEndian.PutUint32(eocd, zipEOCDSig)
	binary.LittleEndian.PutUint16(eocd[10:], 0xffff)
	binary.LittleEndian.PutUint32(eocd[16:], 0xffffffff)

	a := append([]byte("PK\x03\x04"), make([]byte, 40)...)
	loc := make([]byte, 20)
	binary.LittleEndian.PutUint32(loc, zipLocator64Sig)
	binary.LittleEndian.PutUint64(loc[8:], 0xfffffffffffffff0)
	a = append(append(a, loc...), eocd...)

	b := append([]byte("PK\x03\x04"), make([]byte, 10)...)
	at := len(b)
	rec := make([]byte, 56)
	binary.LittleEndian.PutUint32(rec, zipEOCD64Sig)
	binary.LittleEndian.PutUint64(rec[32:], 1)
	binary.LittleEndian.PutUint64(rec[48:], 0xfffffffffffffffe)
	b = append(b, rec...)
	loc2 := make([]byte, 20)
	binary.LittleEndian.PutUint32(loc2, zipLocator64Sig)
	binary.LittleEndian.PutUint64(loc2[8:], uint64(at))
	b = append(append(b, loc2...), eocd...)
	return [][]byte{a, b}
}

func TestZipOffsetsCannotWrap(t *testing.T) {
	for i, b := range hostileZip64() {
		if _, _, err := listZip(b, 10); err == nil {
			t.Errorf("archive %d: listed without complaint", i)
		}
	}
}

// FuzzListZip: whatever the bytes, listing never panics and never claims
// more entries than asked for.
func FuzzListZip(f *testing.F) {
	for _, b := range hostileZip64() {
		f.Add(b)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, _ := w.Create("docs/契約書.pdf.exe")
	fw.Write([]byte("MZ"))
	w.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if !looksLikeZip(b) {
			return
		}
		out, _, _ := listZip(b, 5)
		if len(out) > 5 {
			t.Fatalf("%d entries listed, limit 5", len(out))
		}
	})
}

// A reader that trips over hostile bytes costs that attachment's listing,
// noted, not the mail.
func TestUnreadableAttachmentIsNoted(t *testing.T) {
	m := &Message{}
	unreadable(m, "x.zip", func() { panic("index out of range") })
	if len(m.Errors) != 1 {
		t.Fatalf("errors %q", m.Errors)
	}
}
