package mailparse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"
)

// TNEF (winmail.dat) is Outlook's wrapper for a message's attachments
// when it sends "rich text". Its attachments are stored whole, so they
// are listed with their hashes like any other attachment. Only the
// attributes needed for that are read: where an attachment starts, its
// data, its short title and, from its MAPI properties, its long name.

const (
	tnefSignature      = 0x223e9f78
	tnefLevelAttach    = 0x02
	attAttachRendData  = 0x9002
	attAttachData      = 0x800f
	attAttachTitle     = 0x8010
	attAttachment      = 0x9005
	prAttachLongName   = 0x3707
	prAttachMIMETag    = 0x370e
	prAttachFilename   = 0x3704
	maxTNEFAttachments = 500
)

var errTNEF = errors.New("it is not a readable TNEF (winmail.dat) file")

func looksLikeTNEF(b []byte) bool {
	return len(b) >= 6 && binary.LittleEndian.Uint32(b) == tnefSignature
}

type tnefFile struct {
	title, long, mime string
	data              []byte
}

// listTNEF returns the attachments inside a TNEF stream; data slices
// point into b. A damaged stream yields the attachments read before the
// damage and an error.
func listTNEF(b []byte) ([]tnefFile, error) {
	if !looksLikeTNEF(b) {
		return nil, errTNEF
	}
	var files []tnefFile
	pos := 6
	for pos < len(b) {
		if pos+9 > len(b) {
			return files, errTNEF
		}
		level := b[pos]
		id := binary.LittleEndian.Uint32(b[pos+1:])
		n := int(binary.LittleEndian.Uint32(b[pos+5:]))
		start := pos + 9
		if n < 0 || start+n+2 > len(b) || start+n < start {
			return files, errTNEF
		}
		val := b[start : start+n]
		pos = start + n + 2 // two-byte checksum follows
		if level != tnefLevelAttach {
			continue
		}
		switch id & 0xffff {
		case attAttachRendData:
			if len(files) >= maxTNEFAttachments {
				return files, nil
			}
			files = append(files, tnefFile{})
		case attAttachTitle:
			if len(files) > 0 {
				files[len(files)-1].title = tnefString(val)
			}
		case attAttachData:
			if len(files) > 0 {
				files[len(files)-1].data = val
			}
		case attAttachment:
			if len(files) > 0 {
				f := &files[len(files)-1]
				readMAPIProps(val, func(id uint16, s string) {
					switch id {
					case prAttachLongName:
						f.long = s
					case prAttachFilename:
						if f.title == "" {
							f.title = s
						}
					case prAttachMIMETag:
						f.mime = strings.ToLower(s)
					}
				})
			}
		}
	}
	return files, nil
}

// tnefString reads a NUL-terminated string in the sender's code page;
// Japanese Outlook writes Shift_JIS.
func tnefString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if isASCII(b) {
		return cleanText(string(b))
	}
	if invalidJapanese(b, famShiftJIS) == 0 {
		if s, err := japanese.ShiftJIS.NewDecoder().Bytes(b); err == nil {
			return cleanText(string(s))
		}
	}
	return cleanText(strings2UTF8(b))
}

// readMAPIProps walks a MAPI property block and reports the string
// properties. Fixed-size values are skipped by type; an unknown type
// ends the walk, since its size cannot be known.
func readMAPIProps(b []byte, str func(id uint16, s string)) {
	if len(b) < 4 {
		return
	}
	count := binary.LittleEndian.Uint32(b)
	pos := 4
	for i := uint32(0); i < count && i < 10000; i++ {
		if pos+4 > len(b) {
			return
		}
		typ := binary.LittleEndian.Uint16(b[pos:])
		id := binary.LittleEndian.Uint16(b[pos+2:])
		pos += 4
		if id >= 0x8000 { // named property: GUID, kind, then an id or a name
			if pos+20 > len(b) {
				return
			}
			kind := binary.LittleEndian.Uint32(b[pos+16:])
			pos += 20
			if kind == 0 {
				pos += 4
			} else {
				if pos+4 > len(b) {
					return
				}
				n := int(binary.LittleEndian.Uint32(b[pos:]))
				pos += 4 + pad4(n)
			}
		}
		multi := typ&0x1000 != 0
		base := typ &^ 0x1000
		values := 1
		if multi || base == 0x1e || base == 0x1f || base == 0x102 || base == 0x0d {
			if pos+4 > len(b) {
				return
			}
			values = int(binary.LittleEndian.Uint32(b[pos:]))
			pos += 4
		}
		for v := 0; v < values && v < 10000; v++ {
			switch base {
			case 0x02, 0x03, 0x04, 0x0a, 0x0b: // I2, LONG, FLOAT, ERROR, BOOLEAN: padded to 4
				pos += 4
			case 0x05, 0x06, 0x07, 0x14, 0x40: // DOUBLE, CURRENCY, APPTIME, I8, SYSTIME
				pos += 8
			case 0x48: // CLSID
				pos += 16
			case 0x1e, 0x1f, 0x102, 0x0d:
				if pos+4 > len(b) {
					return
				}
				n := int(binary.LittleEndian.Uint32(b[pos:]))
				pos += 4
				if n < 0 || pos+n > len(b) || pos+n < pos {
					return
				}
				val := b[pos : pos+n]
				switch base {
				case 0x1e:
					str(id, tnefString(val))
				case 0x1f:
					str(id, utf16le(val))
				}
				pos += pad4(n)
			default:
				return
			}
			if pos > len(b) {
				return
			}
		}
	}
}

func pad4(n int) int { return (n + 3) &^ 3 }

func utf16le(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return cleanText(string(utf16.Decode(u)))
}

// contentTypeByName is a fixed table, not mime.TypeByExtension, whose
// answers depend on the machine's mime.types and would make output
// differ between hosts.
func contentTypeByName(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".zip":
		return "application/zip"
	case ".pdf":
		return "application/pdf"
	case ".doc":
		return "application/msword"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".docm":
		return "application/vnd.ms-word.document.macroenabled.12"
	case ".xls":
		return "application/vnd.ms-excel"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".xlsm":
		return "application/vnd.ms-excel.sheet.macroenabled.12"
	case ".ppt":
		return "application/vnd.ms-powerpoint"
	case ".pptx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	case ".txt", ".log":
		return "text/plain"
	case ".htm", ".html", ".hta":
		return "text/html"
	case ".xml":
		return "application/xml"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".exe", ".scr", ".com", ".dll":
		return "application/x-msdownload"
	case ".js", ".jse":
		return "text/javascript"
	case ".vbs", ".vbe", ".wsf", ".bat", ".cmd", ".ps1":
		return "text/plain"
	case ".lnk":
		return "application/x-ms-shortcut"
	case ".iso", ".img":
		return "application/x-iso9660-image"
	case ".rar":
		return "application/vnd.rar"
	case ".7z":
		return "application/x-7z-compressed"
	case ".gz", ".tgz":
		return "application/gzip"
	case ".eml":
		return "message/rfc822"
	case ".rtf":
		return "application/rtf"
	case ".bin":
		return "application/octet-stream"
	case ".one":
		return "application/onenote"
	}
	return "application/octet-stream"
}
