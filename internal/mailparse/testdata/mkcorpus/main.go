// Command mkcorpus writes the golden-test mails in ../mails. The mails are
// invented for these tests (example.jp / example.com names, documentation
// IP ranges); the binary parts (ZIP, Office, TNEF) are built here so that
// their bytes are known. Run from internal/mailparse:
//
//	go run ./testdata/mkcorpus
//
// then `go test -run Golden -update` to refresh the expected JSON.
package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

func enc(e encoding.Encoding, s string) string {
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("%q: %v", s, err))
	}
	return string(b)
}

func jis(s string) string  { return enc(japanese.ISO2022JP, s) }
func sjis(s string) string { return enc(japanese.ShiftJIS, s) }
func euc(s string) string  { return enc(japanese.EUCJP, s) }

func bword(charset, raw string) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString([]byte(raw)) + "?="
}

func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s + "\r\n")
	return out.String()
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// crlf turns the \n of a Go literal into CRLF, as mail on the wire has.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

type entry struct {
	name      string
	body      string
	encrypted bool
	nonUTF8   bool
}

func mkzip(entries []entry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, NonUTF8: e.nonUTF8}
		if e.encrypted {
			fh.Flags |= 1
		}
		f, err := w.CreateHeader(fh)
		if err != nil {
			panic(err)
		}
		f.Write([]byte(e.body))
	}
	w.Close()
	return b.Bytes()
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

func tnefAttr(level byte, id uint32, data []byte) []byte {
	b := []byte{level}
	b = le32(b, id)
	b = le32(b, uint32(len(data)))
	b = append(b, data...)
	sum := 0
	for _, c := range data {
		sum += int(c)
	}
	return le16(b, uint16(sum))
}

func mapiUnicode(id uint16, s string) []byte {
	u := utf16.Encode([]rune(s + "\x00"))
	var v []byte
	for _, c := range u {
		v = le16(v, c)
	}
	b := le32(nil, 1)
	b = le16(b, 0x001f)
	b = le16(b, id)
	b = le32(b, 1)
	b = le32(b, uint32(len(v)))
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

type tnefFile struct {
	title, long string
	data        []byte
}

func mktnef(files []tnefFile) []byte {
	b := le32(nil, 0x223e9f78)
	b = le16(b, 0x0001)
	b = append(b, tnefAttr(1, 0x00089006, le32(nil, 0x00010000))...)
	b = append(b, tnefAttr(1, 0x00069007, le32(le32(nil, 932), 0))...)
	b = append(b, tnefAttr(1, 0x00078008, []byte("IPM.Microsoft Mail.Note\x00"))...)
	for _, f := range files {
		b = append(b, tnefAttr(2, 0x00069002, make([]byte, 14))...)
		b = append(b, tnefAttr(2, 0x00018010, []byte(f.title+"\x00"))...)
		b = append(b, tnefAttr(2, 0x0006800f, f.data)...)
		if f.long != "" {
			b = append(b, tnefAttr(2, 0x00069005, mapiUnicode(0x3707, f.long))...)
		}
	}
	return b
}

// pdfish is a few hundred bytes that start like a PDF.
func pdfish(tag string) []byte {
	return []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n% " + tag + "\n" +
		strings.Repeat("0123456789abcdef", 16) + "\n%%EOF\n")
}

func main() {
	dir := "testdata/mails"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	mails := map[string]string{
		"01-iso2022jp-delivery.eml":   mail01(),
		"02-cp50220-extensions.eml":   mail02(),
		"03-shiftjis-defanged.eml":    mail03(),
		"04-eucjp-qp.eml":             mail04(),
		"05-html-only.eml":            mail05(),
		"06-nested-forward.eml":       mail06(),
		"07-zip-encrypted.eml":        mail07(),
		"08-office-docm.eml":          mail08(),
		"09-winmail-dat.eml":          mail09(),
		"10-missing-boundary.eml":     mail10(),
		"11-wrong-charset.eml":        mail11(),
		"12-bad-base64.eml":           mail12(),
		"13-long-received.eml":        mail13(),
		"14-undeclared-sjis-mbox.eml": mail14(),
		"15-utf8-split-words.eml":     mail15(),
	}
	for name, body := range mails {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			panic(err)
		}
	}
	fmt.Println("wrote", len(mails), "mails to", dir)
}
