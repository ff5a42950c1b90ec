package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// The mail generator makes reported-mail look-alikes for the mailparse
// scenario: Japanese charsets in the proportions seen in Japanese
// business mail, multipart text and HTML, Microsoft 365 style receiver
// headers, Received chains that cross a member boundary, defanged and
// tracking URLs, and 0–3 attachments (ZIP, PDF-like, DOCX-like), about
// 40 KB a mail on average. The same seed gives the same corpus.

// mailCharsets are the body charsets, each with its share in percent.
var mailCharsets = []struct {
	label string
	share int
}{
	{"ISO-2022-JP", 35}, {"UTF-8", 35}, {"Shift_JIS", 20}, {"EUC-JP", 10},
}

var mailPhrases = []string{
	"いつもお世話になっております。", "お忙しいところ恐れ入りますが、", "下記の件についてご確認をお願いいたします。",
	"ご請求書を添付いたしましたので、ご査収ください。", "パスワードは別途お送りいたします。", "お支払い期限は今月末となっております。",
	"至急ご対応いただけますと幸いです。", "ご不明な点がございましたらお問い合わせください。", "アカウントの確認が必要です。",
	"セキュリティ上の理由により、ログインが制限されています。", "再配達のご依頼は下記よりお願いいたします。",
	"①お申し込み内容の確認　②お支払い方法の選択　③完了", "㈱サンプル商事　経理部より", "今後ともよろしくお願い申し上げます。",
	"本メールは送信専用アドレスからお送りしています。", "添付ファイルを開き、コンテンツの有効化をクリックしてください。",
}

var mailNames = []string{"山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 健", "田中 美咲", "伊藤 誠", "渡辺 直子", "中村 亮"}

var mailLocals = []string{"t.yamada", "h.sato", "i.suzuki", "k.takahashi", "m.tanaka", "m.ito", "n.watanabe", "r.nakamura"}

var mailSenders = []string{"info@delivery-example.com", "billing@invoice-example.com", "no-reply@evil.example",
	"support@login-example.com", "ceo@lookalike-example.jp", "notice@bank-example.com", "order@order-example.com"}

// genMails returns n mails made from seed.
func genMails(n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x6d61696c))
	out := make([][]byte, n)
	for i := range out {
		out[i] = genMail(r, i)
	}
	return out
}

func pickCharset(r *rand.Rand) string {
	x := r.IntN(100)
	for _, c := range mailCharsets {
		if x < c.share {
			return c.label
		}
		x -= c.share
	}
	return "UTF-8"
}

func encodeIn(label, s string) string {
	var e encoding.Encoding
	switch label {
	case "ISO-2022-JP":
		e = japanese.ISO2022JP
	case "Shift_JIS":
		e = japanese.ShiftJIS
	case "EUC-JP":
		e = japanese.EUCJP
	default:
		return s
	}
	b, err := e.NewEncoder().String(s)
	if err != nil {
		return s
	}
	return b
}

func encWord(label, s string) string {
	return "=?" + label + "?B?" + base64.StdEncoding.EncodeToString([]byte(encodeIn(label, s))) + "?="
}

func b64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	out.Grow(len(s) + len(s)/76*2 + 2)
	for len(s) > 76 {
		out.WriteString(s[:76])
		out.WriteString("\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	out.WriteString("\r\n")
	return out.String()
}

func genMail(r *rand.Rand, i int) []byte {
	cs := pickCharset(r)
	rcpt := r.IntN(len(mailNames))
	to := mailLocals[rcpt] + "@example.jp"
	sender := mailSenders[r.IntN(len(mailSenders))]
	senderDomain := sender[strings.IndexByte(sender, '@')+1:]
	when := time.Date(2025, 4, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600)).Add(time.Duration(i) * 17 * time.Minute)
	var b bytes.Buffer
	b.Grow(48 << 10)

	// Received chain, newest first: member hops, the crossing, the sender's.
	fmt.Fprintf(&b, "Received: from mx1.example.jp (mx1.example.jp [192.0.2.%d])\r\n\tby mbox.example.jp (Postfix) with ESMTP id %08X\r\n\tfor <%s>; %s\r\n",
		10+r.IntN(20), r.Uint32(), to, when.Add(3*time.Second).Format(time.RFC1123Z))
	ext := fmt.Sprintf("203.0.113.%d", 1+r.IntN(250))
	fmt.Fprintf(&b, "Received: from mail.%s (mail.%s [%s])\r\n\tby mx1.example.jp (Postfix) with ESMTPS id %08X\r\n\tfor <%s>; %s\r\n",
		senderDomain, senderDomain, ext, r.Uint32(), to, when.Add(2*time.Second).Format(time.RFC1123Z))
	for h := range r.IntN(4) {
		fmt.Fprintf(&b, "Received: from [198.51.100.%d] (helo=HOST-%d)\r\n\tby relay%d.%s with esmtpa (Exim 4.96)\r\n\tid 1u%06X-000%d; %s\r\n",
			1+r.IntN(250), h, h, senderDomain, r.Uint32()&0xffffff, h, when.UTC().Format(time.RFC1123Z))
	}
	// What a Microsoft 365 tenant adds on receipt.
	fmt.Fprintf(&b, "Authentication-Results: spf=pass (sender IP is %s) smtp.mailfrom=%s; dkim=pass header.d=%s\r\n", ext, senderDomain, senderDomain)
	for k := range 6 + r.IntN(6) {
		fmt.Fprintf(&b, "X-MS-Exchange-Antispam-MessageData-%d: %s\r\n", k, base64.StdEncoding.EncodeToString(randBytes(r, 150)))
	}
	fmt.Fprintf(&b, "X-Forefront-Antispam-Report: CIP:%s;CTRY:JP;LANG:ja;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:mail.%s;PTR:mail.%s;CAT:NONE;SFS:(13230040)(4636009)\r\n", ext, senderDomain, senderDomain)
	fmt.Fprintf(&b, "Delivered-To: %s\r\n", to)
	fmt.Fprintf(&b, "Return-Path: <bounce-%d@%s>\r\n", i, senderDomain)
	fmt.Fprintf(&b, "From: %s <%s>\r\n", encWord(headerCharset(cs), "サポートセンター"), sender)
	fmt.Fprintf(&b, "To: %s <%s>\r\n", encWord(headerCharset(cs), mailNames[rcpt]), to)
	if r.IntN(3) == 0 {
		o := (rcpt + 1) % len(mailNames)
		fmt.Fprintf(&b, "Cc: %s <%s@example.jp>\r\n", encWord(headerCharset(cs), mailNames[o]), mailLocals[o])
	}
	fmt.Fprintf(&b, "Subject: %s\r\n", encWord(headerCharset(cs), fmt.Sprintf("【重要】ご確認のお願い No.%d", 1000+i)))
	fmt.Fprintf(&b, "Date: %s\r\n", when.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%d.%08x@%s>\r\n", when.Unix(), r.Uint32(), senderDomain)
	fmt.Fprintf(&b, "X-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\n")

	text, html := genBodies(r, mailNames[rcpt], to, senderDomain)
	nAtt := r.IntN(4)
	outer := fmt.Sprintf("----=_mixed_%08x", r.Uint32())
	alt := fmt.Sprintf("----=_alt_%08x", r.Uint32())
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", outer)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", outer, alt)
	textCTE := "7bit"
	encText := encodeIn(cs, text)
	if cs != "ISO-2022-JP" {
		textCTE = "base64"
		encText = b64Lines([]byte(encText))
	}
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n%s\r\n", alt, cs, textCTE, encText)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s", alt, b64Lines([]byte(html)))
	fmt.Fprintf(&b, "--%s--\r\n\r\n", alt)
	for a := range nAtt {
		name, ct, data := genAttachment(r, a)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s",
			outer, ct, mime.BEncoding.Encode("UTF-8", name), mime.BEncoding.Encode("UTF-8", name), b64Lines(data))
	}
	fmt.Fprintf(&b, "--%s--\r\n", outer)
	return b.Bytes()
}

// headerCharset: mailers writing EUC-JP bodies still encode headers in
// ISO-2022-JP, as many Japanese mailers do.
func headerCharset(cs string) string {
	if cs == "EUC-JP" {
		return "ISO-2022-JP"
	}
	return cs
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func genBodies(r *rand.Rand, name, to, domain string) (string, string) {
	var t, h strings.Builder
	family := strings.Fields(name)[0]
	fmt.Fprintf(&t, "%s様\n\n", family)
	fmt.Fprintf(&h, "<html><head><meta charset=\"utf-8\"></head><body><p>%s様</p>\n", family)
	paras := 8 + r.IntN(24)
	for p := range paras {
		var line strings.Builder
		for range 2 + r.IntN(4) {
			line.WriteString(mailPhrases[r.IntN(len(mailPhrases))])
		}
		t.WriteString(line.String())
		t.WriteString("\n")
		fmt.Fprintf(&h, "<p style=\"font-family:'メイリオ',sans-serif;font-size:10pt\">%s</p>\n", line.String())
		switch r.IntN(6) {
		case 0:
			u := fmt.Sprintf("https://login.%s/verify?email=%s&token=%s", domain, to, base64.RawURLEncoding.EncodeToString(randBytes(r, 18)))
			fmt.Fprintf(&t, "%s\n", u)
			fmt.Fprintf(&h, "<p><a href=\"%s\">https://www.example.co.jp/mypage</a></p>\n", strings.ReplaceAll(u, "&", "&amp;"))
		case 1:
			fmt.Fprintf(&t, "参考: hxxps://cdn-%d[.]%s/files/%d.zip\n", p, domain, r.IntN(10000))
		case 2:
			fmt.Fprintf(&t, "お問い合わせ: support[@]%s  サーバー 198.51.100.%d\n", domain, r.IntN(250))
		}
	}
	fmt.Fprintf(&t, "\n--\nサポートセンター\nhttps://www.%s/\n", domain)
	fmt.Fprintf(&h, "<img src=\"https://track.%s/o.gif?rid=%s\" width=\"1\" height=\"1\"></body></html>\n", domain, base64.RawURLEncoding.EncodeToString(randBytes(r, 15)))
	return t.String(), h.String()
}

func genAttachment(r *rand.Rand, k int) (string, string, []byte) {
	switch r.IntN(3) {
	case 0:
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		for e := range 1 + r.IntN(4) {
			f, _ := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("請求書_%d_%d.pdf.exe", k, e), Method: zip.Store})
			f.Write(randBytes(r, 1500+r.IntN(7000)))
		}
		w.Close()
		return fmt.Sprintf("請求書_%d.zip", k), "application/zip", b.Bytes()
	case 1:
		pdf := append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n"), randBytes(r, 4000+r.IntN(14000))...)
		return fmt.Sprintf("明細書_%d.pdf", k), "application/pdf", append(pdf, "\nendstream\n%%EOF\n"...)
	}
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range []string{"[Content_Types].xml", "word/document.xml", "word/styles.xml", "docProps/core.xml"} {
		f, _ := w.Create(n)
		f.Write([]byte(strings.Repeat("<w:p><w:r><w:t>ご確認ください</w:t></w:r></w:p>", 20+r.IntN(60))))
	}
	f, _ := w.CreateHeader(&zip.FileHeader{Name: "word/media/image1.png", Method: zip.Store})
	f.Write(randBytes(r, 3000+r.IntN(10000)))
	w.Close()
	return fmt.Sprintf("見積書_%d.docx", k), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b.Bytes()
}
