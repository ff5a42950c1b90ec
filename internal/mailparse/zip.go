package mailparse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// A ZIP archive is listed from its central directory alone: nothing is
// decompressed, so a zip bomb costs what its directory costs, and the
// number of entries listed is capped. archive/zip reads the same directory
// (and its FileHeader.Name keeps a non-UTF-8 name's raw bytes, so Shift_JIS
// names could be decoded from it too), but zip.NewReader builds a record for
// every entry the directory claims before a cap could apply: reading the
// directory ourselves is what bounds the work an archive can ask for.

const (
	zipEOCDSig      = 0x06054b50
	zipEOCD64Sig    = 0x06064b50
	zipLocator64Sig = 0x07064b50
	zipCentralSig   = 0x02014b50
	zipEOCDLen      = 22
	zipCentralLen   = 46
)

var errNoCentralDirectory = errors.New("its central directory was not found (truncated or not a ZIP archive)")

func looksLikeZip(b []byte) bool {
	return len(b) >= 22 && (bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06")) || bytes.HasPrefix(b, []byte("PK\x07\x08")))
}

// listZip returns the archive's entries, at most limit of them, and the
// total the directory claims.
func listZip(b []byte, limit int) ([]Attachment, int, error) {
	eocd := bytes.LastIndex(b[max(0, len(b)-(zipEOCDLen+65535)):], []byte("PK\x05\x06"))
	if eocd < 0 {
		return nil, 0, errNoCentralDirectory
	}
	eocd += max(0, len(b)-(zipEOCDLen+65535))
	if len(b)-eocd < zipEOCDLen {
		return nil, 0, errNoCentralDirectory
	}
	e := b[eocd:]
	total := uint64(binary.LittleEndian.Uint16(e[10:]))
	size := uint64(binary.LittleEndian.Uint32(e[12:]))
	offset := uint64(binary.LittleEndian.Uint32(e[16:]))
	dirEnd := uint64(eocd)
	if total == 0xffff || size == 0xffffffff || offset == 0xffffffff {
		// ZIP64: the locator sits just before the classic record.
		if loc := eocd - 20; loc >= 0 && binary.LittleEndian.Uint32(b[loc:]) == zipLocator64Sig {
			rec := binary.LittleEndian.Uint64(b[loc+8:])
			if fits(rec, 56, len(b)) && binary.LittleEndian.Uint32(b[rec:]) == zipEOCD64Sig {
				r := b[rec:]
				total = binary.LittleEndian.Uint64(r[32:])
				size = binary.LittleEndian.Uint64(r[40:])
				offset = binary.LittleEndian.Uint64(r[48:])
				dirEnd = rec
			}
		}
	}
	if size > dirEnd {
		return nil, 0, errNoCentralDirectory
	}
	// Data prepended to the archive (self-extractors) shifts every offset;
	// the directory is known to end where the end record starts.
	if !fits(offset, 4, len(b)) || binary.LittleEndian.Uint32(b[offset:]) != zipCentralSig {
		offset = dirEnd - size
	}
	var out []Attachment
	pos := offset
	n := 0
	for ; uint64(n) < total; n++ {
		if !fits(pos, zipCentralLen, len(b)) || binary.LittleEndian.Uint32(b[pos:]) != zipCentralSig {
			return out, int(min(total, 1<<31)), fmt.Errorf("its central directory is damaged after %d entries", n)
		}
		h := b[pos:]
		flags := binary.LittleEndian.Uint16(h[8:])
		method := binary.LittleEndian.Uint16(h[10:])
		csize := uint64(binary.LittleEndian.Uint32(h[20:]))
		usize := uint64(binary.LittleEndian.Uint32(h[24:]))
		nameLen := uint64(binary.LittleEndian.Uint16(h[28:]))
		extraLen := uint64(binary.LittleEndian.Uint16(h[30:]))
		commentLen := uint64(binary.LittleEndian.Uint16(h[32:]))
		next := pos + zipCentralLen + nameLen + extraLen + commentLen
		if !fits(pos, zipCentralLen+nameLen+extraLen+commentLen, len(b)) {
			return out, int(min(total, 1<<31)), fmt.Errorf("its central directory is damaged after %d entries", n)
		}
		if len(out) < limit {
			rawName := h[zipCentralLen : zipCentralLen+nameLen]
			extra := h[zipCentralLen+nameLen : zipCentralLen+nameLen+extraLen]
			name := zipName(rawName, flags, extra)
			u, c := zip64Sizes(extra, usize, csize)
			out = append(out, Attachment{
				Name:           name,
				ContentType:    contentTypeByName(name),
				Size:           int64(min(u, 1<<62)),
				CompressedSize: int64(min(c, 1<<62)),
				Encrypted:      flags&1 != 0 || method == 99,
			})
		}
		pos = next
	}
	return out, int(min(total, 1<<31)), nil
}

// fits reports whether n bytes from off lie within a buffer of length l.
// Offsets come from the file as 64-bit values: adding before comparing
// could wrap around and let a hostile archive past the check.
func fits(off, n uint64, l int) bool {
	return off <= uint64(l) && uint64(l)-off >= n
}

// zipName decodes an entry name: the UTF-8 flag or an Info-ZIP Unicode
// path field win; otherwise valid UTF-8 is taken as such (many tools
// forget the flag), Shift_JIS next (Japanese Windows), CP437 last.
func zipName(raw []byte, flags uint16, extra []byte) string {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			break
		}
		if id == 0x7075 && n > 5 && utf8.Valid(extra[9:4+n]) {
			return cleanText(string(extra[9 : 4+n]))
		}
		extra = extra[4+n:]
	}
	if flags&0x800 != 0 || utf8.Valid(raw) {
		return cleanText(strings2UTF8(raw))
	}
	if invalidJapanese(raw, famShiftJIS) == 0 {
		if s, err := japanese.ShiftJIS.NewDecoder().Bytes(raw); err == nil {
			return cleanText(string(s))
		}
	}
	s, _ := charmap.CodePage437.NewDecoder().Bytes(raw)
	return cleanText(string(s))
}

func strings2UTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// zip64Sizes reads the ZIP64 extended field when the 32-bit sizes say to.
func zip64Sizes(extra []byte, usize, csize uint64) (uint64, uint64) {
	if usize != 0xffffffff && csize != 0xffffffff {
		return usize, csize
	}
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			break
		}
		if id == 0x0001 {
			f := extra[4 : 4+n]
			if usize == 0xffffffff && len(f) >= 8 {
				usize = binary.LittleEndian.Uint64(f)
				f = f[8:]
			}
			if csize == 0xffffffff && len(f) >= 8 {
				csize = binary.LittleEndian.Uint64(f)
			}
			break
		}
		extra = extra[4+n:]
	}
	return usize, csize
}
