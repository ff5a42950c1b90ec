package main

import (
	"encoding/base64"
	"fmt"
	"mime"
	"strings"
)

// The mails themselves, one function each; main gives each its file name.

func mail01() string {
	body := jis(`山田様

お荷物をお届けに伺いましたが、ご不在のため持ち帰りました。
再配達のご依頼は下記URLからお願いいたします。
https://delivery-example.com/redelivery?id=8f3Kz9QpL2mX7vB4&mail=t.yamada@example.jp&lang=ja

お問い合わせ: support@delivery-example.com
サンプル配送センター
`)
	return crlf(`Received: from mx1.example.jp (mx1.example.jp [192.0.2.10])
	by mbox.example.jp (Postfix) with ESMTP id 4A1B2C3D
	for <t.yamada@example.jp>; Tue, 15 Apr 2025 10:23:51 +0900 (JST)
Received: from mail.delivery-example.com (mail.delivery-example.com [203.0.113.45])
	by mx1.example.jp (Postfix) with ESMTPS id 9F8E7D6C
	for <t.yamada@example.jp>; Tue, 15 Apr 2025 10:23:49 +0900 (JST)
Received: from [198.51.100.23] (unknown [198.51.100.23])
	by mail.delivery-example.com (Postfix) with ESMTPSA id 11223344;
	Tue, 15 Apr 2025 01:23:47 +0000 (UTC)
Authentication-Results: mx1.example.jp; spf=pass smtp.mailfrom=delivery-example.com
X-Spam-Status: No, score=1.2
Delivered-To: t.yamada@example.jp
Return-Path: <bounce@delivery-example.com>
From: `+bword("ISO-2022-JP", jis("サンプル配送センター"))+` <info@delivery-example.com>
To: `+bword("ISO-2022-JP", jis("山田 太郎"))+` <t.yamada@example.jp>
Subject: `+bword("ISO-2022-JP", jis("【重要】お荷物のお届けについて"))+`
Date: Tue, 15 Apr 2025 10:23:45 +0900
Message-ID: <20250415012345.ABCDEF@delivery-example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit
X-Mailer: Microsoft Outlook 16.0

`) + strings.ReplaceAll(body, "\n", "\r\n")
}

func mail02() string {
	// x/text writes half-width katakana as ESC ( I; the SO/SI part is
	// written by hand as CP50222 does.
	part1 := jis("株式会社エグザンプル　髙﨑様\n\n①ご注文の確認\n②お支払い\n③発送\n\nｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ からのお知らせです。\n詳細: http://order-example.com/confirm/①\n")
	part2 := "\x1b$B$3$s$K$A$O\x1b(B \x0e6]:\x0f ABC\r\n"
	return crlf(`Received: from relay.example.net (relay.example.net [198.51.100.40])
	by mx1.example.jp with ESMTP id abc123; Wed, 16 Apr 2025 09:00:05 +0900
From: `+bword("ISO-2022-JP", jis("㈱サンプル商事 受注センター"))+` <order@order-example.com>
To: `+bword("ISO-2022-JP", jis("髙﨑 健"))+` <k.takasaki@example.jp>
Subject: `+bword("ISO-2022-JP", jis("①ご注文確認 ㈱サンプル商事"))+`
Date: Wed, 16 Apr 2025 09:00:00 +0900
Message-ID: <order-0416-0001@order-example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1_cp50220"

--b1_cp50220
Content-Type: text/plain; charset="ISO-2022-JP"
Content-Transfer-Encoding: 7bit

`) + strings.ReplaceAll(part1, "\n", "\r\n") + crlf(`
--b1_cp50220
Content-Type: text/plain; charset=CP50222
Content-Transfer-Encoding: 7bit

`) + part2 + crlf(`--b1_cp50220--
`)
}

func mail03() string {
	body := sjis(`佐藤 花子 様

セキュリティ通報です。以下の不審な通信先を確認しました（無害化表記）。

  hxxp://login-example[.]com/verify?session=Xk29fLp0QmZ7aB3c
  hXXps://evil[.]example/a.php
  203.0.113[.]77
  attacker[@]phish[.]example[.]org
  malware-host(.)example(.)net
  update[dot]example[dot]com
  fxp://files[.]example[.]net/drop

髙橋 情報システム部
`)
	return crlf(`Received: from gw.partner-example.co.jp (gw.partner-example.co.jp [198.51.100.61])
	by mx1.example.jp (Postfix) with ESMTPS id 5E6F7A8B
	for <h.sato@example.jp>; Thu, 17 Apr 2025 14:05:31 +0900 (JST)
From: `+bword("Shift_JIS", sjis("髙橋 情報システム部"))+` <takahashi@partner-example.co.jp>
To: `+bword("Shift_JIS", sjis("佐藤 花子"))+` <h.sato@example.jp>
Subject: `+bword("Shift_JIS", sjis("【注意喚起】不審な通信先について"))+`
Date: Thu, 17 Apr 2025 14:05:00 +0900
Message-ID: <alert-20250417@partner-example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=Shift_JIS
Content-Transfer-Encoding: base64
User-Agent: Thunderbird 128.9

`) + b64([]byte(body))
}

func mail04() string {
	body := euc(`株式会社サンプル 経理部 御中

いつもお世話になっております。
口座情報の変更がありましたので、以下よりご確認ください。
https://bank-example.com.login.evil.example/?session=9aK3mZ7pQ2xL8vB5nC1d

なお、送金先サーバー 2001:db8::25 および 192.0.2.200 は当社のものです。
`)
	return crlf(`Received: from smtp.evil.example (smtp.evil.example [203.0.113.101])
	by mx1.example.jp (Postfix) with ESMTP id 0F1E2D3C
	for <keiri@example.jp>; Fri, 18 Apr 2025 16:45:12 +0900 (JST)
From: "Bank Notice" <notice@bank-example.com>
Reply-To: bank.notice.jp@freemail.example
To: keiri@example.jp
Subject: =?EUC-JP?Q?`+strings.ReplaceAll(qword(euc("口座情報変更のお知らせ")), " ", "_")+`?=
Date: Fri, 18 Apr 2025 16:45:00 +0900
Message-ID: <notice.1745000000@bank-example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=EUC-JP
Content-Transfer-Encoding: quoted-printable

`) + qp(strings.ReplaceAll(body, "\n", "\r\n")) + "\r\n"
}

func qword(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "=%02X", s[i])
	}
	return b.String()
}

func mail05() string {
	h := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="refresh" content="30;url=https://redirect.example.net/go?to=portal">
</head><body>
<p>Dear Mr Yamada,</p>
<p>&#23665;&#30000;&#27096;、Microsoft 365 のパスワードの有効期限が切れます。</p>
<p><a href="https://login.evil.example/m365/?email=t.yamada%40example.jp&amp;ref=Zm9vYmFyYmF6cXV4MTIzNDU2&amp;lang=ja">https://portal.office.example.com/</a></p>
<p><a href="hxxps://second-stage[.]example/dl">Download the report</a></p>
<img src="https://track.evil.example/open.gif?rid=a8F3kL9mQ2xZ7pW4vB6n" width="1" height="1">
<p>Contact: <a href="mailto:helpdesk@evil.example?subject=help">helpdesk</a></p>
</body></html>
`
	return crlf(`Received: from out.evil.example (out.evil.example [203.0.113.150])
	by mx1.example.jp (Postfix) with ESMTP id 77AA88BB
	for <t.yamada@example.jp>; Sat, 19 Apr 2025 08:12:40 +0900 (JST)
From: "Microsoft 365" <no-reply@evil.example>
To: "Yamada Taro" <t.yamada@example.jp>
Subject: =?UTF-8?B?`+base64.StdEncoding.EncodeToString([]byte("パスワードの有効期限のお知らせ"))+`?=
Date: Sat, 19 Apr 2025 08:12:33 +0900
Message-ID: <m365-expiry-001@evil.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

`) + qp(strings.ReplaceAll(h, "\n", "\r\n")) + "\r\n"
}

func mail06() string {
	zipBytes := mkzip([]entry{{name: "invoice.exe", body: "MZ\x90\x00 not really a program"}})
	inner := crlf(`Received: from [198.51.100.99] (helo=WIN-7Q2B9)
	by smtp.attacker.example.net with esmtpa (Exim 4.96)
	(envelope-from <billing@invoice-example.com>)
	id 1uAbCd-000123-4X; Mon, 21 Apr 2025 02:10:00 +0000
Received: from smtp.attacker.example.net (smtp.attacker.example.net [203.0.113.9])
	by mx1.example.jp (Postfix) with ESMTP id 1A2B3C4D
	for <t.yamada@example.jp>; Mon, 21 Apr 2025 11:10:04 +0900 (JST)
From: Billing <billing@invoice-example.com>
To: t.yamada@example.jp
Subject: Invoice INV-2025-0421
Date: Mon, 21 Apr 2025 11:10:00 +0900
Message-ID: <inv-0421@invoice-example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inner-mixed"

--inner-mixed
Content-Type: multipart/alternative; boundary="inner-alt"

--inner-alt
Content-Type: text/plain; charset=us-ascii

Hello Taro,
Your invoice is attached. Pay at https://pay.invoice-example.com/inv/2025-0421
--inner-alt
Content-Type: text/html; charset=us-ascii

<p>Hello Taro,</p><p>Pay at <a href="https://pay.invoice-example.com/inv/2025-0421">our portal</a></p>
--inner-alt--

--inner-mixed
Content-Type: application/zip; name="invoice.zip"
Content-Disposition: attachment; filename="invoice.zip"
Content-Transfer-Encoding: base64

`) + b64(zipBytes) + crlf(`--inner-mixed--
`)
	return crlf(`Received: from pc-suzuki.example.jp (pc-suzuki.example.jp [192.0.2.77])
	by mail.example.jp (Postfix) with ESMTPSA id 9Z8Y7X6W
	for <report@jcsip-example.org>; Mon, 21 Apr 2025 11:30:02 +0900 (JST)
From: `+bword("UTF-8", "鈴木 一郎")+` <i.suzuki@example.jp>
To: report@jcsip-example.org
Subject: =?UTF-8?B?`+base64.StdEncoding.EncodeToString([]byte("転送: Invoice INV-2025-0421"))+`?=
Date: Mon, 21 Apr 2025 11:30:00 +0900
Message-ID: <fwd-0421@example.jp>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

不審なメールを受信したため転送します。
--outer
Content-Type: multipart/mixed; boundary="middle"

--middle
Content-Type: text/plain; charset=utf-8

（元のメールを添付します）
--middle
Content-Type: message/rfc822
Content-Disposition: attachment

`) + inner + crlf(`
--middle--

--outer--
`)
}

func mail07() string {
	zipBytes := mkzip([]entry{
		{name: sjis("見積書.xlsx"), body: "PK fake xlsx", nonUTF8: true},
		{name: "readme.txt", body: "password protected", encrypted: true},
		{name: "docs/契約書.pdf.exe", body: "MZ", encrypted: true},
	})
	fname := "見積書_20250422.zip"
	return crlf(`Received: from mail.quote-example.co.jp (mail.quote-example.co.jp [198.51.100.130])
	by mx1.example.jp (Postfix) with ESMTPS id 3C4D5E6F
	for <h.sato@example.jp>; Tue, 22 Apr 2025 17:20:11 +0900 (JST)
From: `+bword("ISO-2022-JP", jis("営業部 田中"))+` <tanaka@quote-example.co.jp>
To: `+bword("ISO-2022-JP", jis("佐藤 花子"))+` <h.sato@example.jp>
Subject: `+bword("ISO-2022-JP", jis("お見積書送付の件"))+`
Date: Tue, 22 Apr 2025 17:20:00 +0900
Message-ID: <quote-20250422-1720@quote-example.co.jp>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="ppap"
X-Mailer: Denbun Mailer 5.2

--ppap
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

`) + strings.ReplaceAll(jis("佐藤様\n\nお見積書をお送りします。\nパスワードは別メールにてお送りします。\n"), "\n", "\r\n") + crlf(`
--ppap
Content-Type: application/zip; name="`+mime.BEncoding.Encode("UTF-8", fname)+`"
Content-Disposition: attachment; filename*=UTF-8''`) + urlEscape(fname) + crlf(`
Content-Transfer-Encoding: base64

`) + b64(zipBytes) + crlf(`--ppap--
`)
}

func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func mail08() string {
	docm := mkzip([]entry{
		{name: "[Content_Types].xml", body: `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{name: "word/document.xml", body: `<w:document><w:body><w:p><w:r><w:t>Enable content</w:t></w:r></w:p></w:body></w:document>`},
		{name: "word/vbaProject.bin", body: "\xd0\xcf\x11\xe0 fake vba project"},
		{name: "docProps/core.xml", body: `<cp:coreProperties><dc:creator>Administrator</dc:creator></cp:coreProperties>`},
	})
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	return crlf(`Received: from mta.docs-example.com (mta.docs-example.com [203.0.113.200])
	by mx1.example.jp (Postfix) with ESMTP id 4E5F6071
	for <t.yamada@example.jp>; Wed, 23 Apr 2025 09:15:22 +0900 (JST)
From: "Accounts Payable" <ap@docs-example.com>
To: "Taro Yamada" <t.yamada@example.jp>
Cc: "Hanako Sato" <h.sato@example.jp>
Subject: Outstanding payment - action required
Date: Wed, 23 Apr 2025 09:15:00 +0900
Message-ID: <ap-20250423-0915@docs-example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-08"

--mixed-08
Content-Type: multipart/related; boundary="rel-08"

--rel-08
Content-Type: text/html; charset=us-ascii

<html><body><p>Dear Taro Yamada,</p><p>Please open the attached document and enable content.</p><img src="cid:logo@docs-example.com"></body></html>
--rel-08
Content-Type: image/png
Content-ID: <logo@docs-example.com>
Content-Transfer-Encoding: base64

`) + b64(png) + crlf(`--rel-08--

--mixed-08
Content-Type: application/vnd.ms-word.document.macroEnabled.12; name="=?UTF-8?B?`) + base64.StdEncoding.EncodeToString([]byte("請求書_0423.docm")) + crlf(`?="
Content-Disposition: attachment
Content-Transfer-Encoding: base64

`) + b64(docm) + crlf(`--mixed-08--
`)
}

func mail09() string {
	payload := mkzip([]entry{{name: "run.js", body: "WScript.Echo('x')"}})
	tnef := mktnef([]tnefFile{
		{title: "INVOIC~1.PDF", long: "Invoice 2025-04.pdf", data: pdfish("invoice")},
		{title: "payload.zip", data: payload},
	})
	return crlf(`Received: from exch.vendor-example.com (exch.vendor-example.com [198.51.100.150])
	by mx1.example.jp (Postfix) with ESMTPS id 5F607182
	for <h.sato@example.jp>; Thu, 24 Apr 2025 13:40:09 +0900 (JST)
From: Vendor Support <support@vendor-example.com>
To: h.sato@example.jp
Subject: Documents for your review
Date: Thu, 24 Apr 2025 13:40:00 +0900
Message-ID: <tnef-0424@vendor-example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="tnef-09"
X-Mailer: Microsoft Office Outlook 12.0

--tnef-09
Content-Type: text/plain; charset=us-ascii

Please see the attached.
--tnef-09
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

`) + b64(tnef) + crlf(`--tnef-09--
`)
}

func mail10() string {
	return crlf(`Received: from broken.example.net (broken.example.net [203.0.113.66])
	by mx1.example.jp (Postfix) with ESMTP id 60718293
	for <t.yamada@example.jp>; Fri, 25 Apr 2025 07:07:07 +0900 (JST)
From: Broken Mailer <noreply@broken.example.net>
To: t.yamada@example.jp
Subject: Truncated message
Date: Fri, 25 Apr 2025 07:07:00 +0900
Message-ID: <truncated-0425@broken.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: multipart/alternative; boundary="alt-never-closed"

--alt-never-closed
Content-Type: text/plain; charset=utf-8

Click http://broken.example.net/c?u=1 to continue.

--never-closed
Content-Type: application/pdf; name="statement.pdf"
Content-Disposition: attachment; filename="statement.pdf"
Content-Transfer-Encoding: base64

`) + b64(pdfish("statement"))[:120] + "\r\n"
}

func mail11() string {
	sj := sjis("このパートは ISO-2022-JP と書かれていますが中身は Shift_JIS です。\nhttps://mislabel-example.com/a\n")
	eu := euc("このパートは UTF-8 と書かれていますが中身は EUC-JP です。\n")
	html := `<html><head><meta charset="Shift_JIS"></head><body>` + sjis("<p>メタ要素で文字コードを宣言した HTML です。</p>") + `<a href="https://meta-charset.example.com/">link</a></body></html>`
	return crlf(`Received: from mx.mislabel-example.com (mx.mislabel-example.com [198.51.100.180])
	by mx1.example.jp (Postfix) with ESMTP id 718293A4
	for <h.sato@example.jp>; Sat, 26 Apr 2025 20:20:20 +0900 (JST)
From: Mislabel <m@mislabel-example.com>
To: h.sato@example.jp
Subject: Mislabelled charsets
Date: Sat, 26 Apr 2025 20:20:00 +0900
Message-ID: <mislabel-0426@mislabel-example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="wrong"

--wrong
Content-Type: text/plain; charset=iso-2022-jp
Content-Transfer-Encoding: 8bit

`) + strings.ReplaceAll(sj, "\n", "\r\n") + crlf(`
--wrong
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

`) + strings.ReplaceAll(eu, "\n", "\r\n") + crlf(`
--wrong
Content-Type: text/plain; charset=x-unknown-charset

Plain ASCII in an unknown charset.
--wrong
Content-Type: text/html
Content-Transfer-Encoding: 8bit

`) + html + crlf(`
--wrong--
`)
}

func mail12() string {
	good := b64([]byte("This text part has damaged base64. Visit https://damaged-example.com/x please.\n"))
	lines := strings.Split(strings.TrimRight(good, "\r\n"), "\r\n")
	lines[0] = lines[0][:20] + "!!**" + lines[0][20:]
	damaged := strings.Join(lines, "\r\n")
	damaged = damaged[:len(damaged)-3] + "\r\n"
	return crlf(`Received: from bad.example.org (bad.example.org [203.0.113.250])
	by mx1.example.jp (Postfix) with ESMTP id 8293A4B5
	for <t.yamada@example.jp>; Sun, 27 Apr 2025 03:03:03 +0900 (JST)
From: Bad Encoder <enc@bad.example.org>
To: t.yamada@example.jp
Subject: Damaged base64
Date: Sun, 27 Apr 2025 03:03:00 +0900
Message-ID: <b64-0427@bad.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b64"

--b64
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: base64

`) + damaged + crlf(`--b64
Content-Type: application/octet-stream; name="data.bin"
Content-Disposition: attachment; filename="data.bin"
Content-Transfer-Encoding: base64

AAECAwQFBgcICQoLDA0ODw==
@@@@ this line is not base64 @@@@
EBESExQVFhcYGRobHB0eHw==
--b64
Content-Type: text/plain; charset=us-ascii; name="notes.uu"
Content-Disposition: attachment; filename="notes.uu"
Content-Transfer-Encoding: x-uuencode

begin 644 notes.txt
#86)C
end
--b64--
`)
}

func mail13() string {
	return crlf(`Received: from TYCPR01MB8000.jpnprd01.prod.outlook.com (2603:1096:400:1::10) by
 TYWPR01MB9000.jpnprd01.prod.outlook.com with HTTPS; Mon, 28 Apr 2025 01:02:10 +0000
Received: from TYAPR01CA0100.jpnprd01.prod.outlook.com (2603:1096:404:2::20) by
 TYCPR01MB8000.jpnprd01.prod.outlook.com (2603:1096:400:1::10) with Microsoft SMTP
 Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id
 15.20.8000.10; Mon, 28 Apr 2025 01:02:09 +0000
Received: from mx-gw.example.jp (192.0.2.25) by
 TYAPR01CA0100.mail.protection.outlook.com (10.167.20.30) with Microsoft SMTP
 Server id 15.20.8000.10 via Frontend Transport; Mon, 28 Apr 2025 01:02:08 +0000
Received: from mx.example.jp (mx.example.jp [192.0.2.24])
	by mx-gw.example.jp (Postfix) with ESMTP id 93A4B5C6
	for <t.yamada@example.jp>; Mon, 28 Apr 2025 10:02:07 +0900 (JST)
Received: from smtp.attacker.example.net (smtp.attacker.example.net [203.0.113.9])
	by mx.example.jp (Postfix) with ESMTPS id A4B5C6D7
	for <t.yamada@example.jp>; Mon, 28 Apr 2025 10:02:06 +0900 (JST)
Received: from [198.51.100.77] (port=51234 helo=WIN-ABC123)
	by smtp.attacker.example.net with esmtpa (Exim 4.96)
	(envelope-from <ceo@lookalike-example.jp>)
	id 1uXyZw-000777-AB; Mon, 28 Apr 2025 01:02:05 +0000
Received: from relay2.bulk-example.com (relay2.bulk-example.com [IPv6:2001:db8:5::77])
	by relay1.bulk-example.com (8.17.1/8.17.1) with ESMTP id 33S1200A012345;
	Mon, 28 Apr 2025 01:02:04 GMT
Received: from workstation (unknown [10.1.2.3])
	by relay2.bulk-example.com (Postfix) with SMTP; Mon, 28 Apr 2025 01:02:03 +0000
Received: by 2002:a05:6a10:1234:b0:5aa:1111:2222 with SMTP id x1csp123456pxb;
        Sun, 27 Apr 2025 18:02:02 -0700 (PDT)
Authentication-Results: spf=pass (sender IP is 203.0.113.9)
 smtp.mailfrom=lookalike-example.jp; dkim=pass header.d=lookalike-example.jp
Received-SPF: Pass (protection.outlook.com: domain of lookalike-example.jp designates 203.0.113.9 as permitted sender)
X-MS-Exchange-Organization-AuthSource: TYAPR01CA0100.jpnprd01.prod.outlook.com
X-MS-Exchange-Organization-SCL: 1
X-Forefront-Antispam-Report: CIP:203.0.113.9;CTRY:JP;LANG:ja;SCL:1
X-Microsoft-Antispam: BCL:0;
ARC-Seal: i=1; a=rsa-sha256; s=arcselector; d=example.jp; cv=none; b=AAAA
DKIM-Signature: v=1; a=rsa-sha256; d=example.jp; s=gw; h=from:to; b=BBBB
DKIM-Signature: v=1; a=rsa-sha256; d=lookalike-example.jp; s=s1; h=from:to:subject; b=CCCC
X-Proofpoint-Spam-Details: rule=notspam
X-IronPort-AV: E=Sophos;i="6.00"
X-Virus-Scanned: amavisd-new at example.jp
X-Originating-IP: [198.51.100.77]
From: ` + bword("UTF-8", "山本 社長") + ` <ceo@lookalike-example.jp>
Reply-To: ceo.private@freemail.example
To: t.yamada@example.jp
Subject: ` + bword("UTF-8", "至急お願いします") + `
Date: Mon, 28 Apr 2025 10:02:00 +0900
Message-ID: <bec-0428@lookalike-example.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

山田さん

至急、以下の口座へ振込をお願いします。詳細は電話ではなくメールで。
社長
`)
}

func mail14() string {
	body := sjis("鈴木様\n\n文字コードの宣言がないメールです。\n詳しくは http://nocharset-example.com/info をご覧ください。\n")
	return "From spammer@nocharset-example.com Tue Apr 29 12:00:00 2025\r\n" +
		"Received: from nocharset-example.com (nocharset-example.com [203.0.113.30])\r\n" +
		"\tby mx1.example.jp (Postfix) with SMTP id B5C6D7E8\r\n" +
		"\tfor <i.suzuki@example.jp>; Tue, 29 Apr 2025 12:00:05 +0900 (JST)\r\n" +
		"From: " + sjis("宣伝担当") + " <spammer@nocharset-example.com>\r\n" +
		"To: i.suzuki@example.jp\r\n" +
		"Subject: " + sjis("【ご案内】宣言なしの件名") + "\r\n" +
		"Date: Tue, 29 Apr 2025 12:00:00 JST\r\n" +
		"Message-ID: <nocharset-0429@nocharset-example.com>\r\n" +
		"\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
}

func mail15() string {
	name := []byte("東京 商事 担当")
	// Split the name inside its second character, as some mailers do.
	w1, w2 := name[:4], name[4:]
	return crlf(`Received: from smtp.freemail.example (smtp.freemail.example [198.51.100.5])
	by mx1.example.jp (Postfix) with ESMTPS id C6D7E8F9
	for <h.sato@example.jp>; Wed, 30 Apr 2025 18:30:30 +0900 (JST)
From: =?UTF-8?B?` + base64.StdEncoding.EncodeToString(w1) + `?= =?UTF-8?B?` + base64.StdEncoding.EncodeToString(w2) + `?= <tokyo.shoji@freemail.example>
Reply-To: "Payments" <payments@collect-example.net>
To: "Hanako Sato" <h.sato@example.jp>
Cc: "=?UTF-8?B?5bGx55SwIOWkqumDjg==?=" <t.yamada@example.jp>, accounting@example.jp
Subject: Re: =?UTF-8?Q?=E3=81=8A=E6=94=AF=E6=89=95=E3=81=84?= status
Date: Wed, 30 Apr 2025 18:30:00 +0900
Message-ID: <split-0430@freemail.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hi Hanako,

Please confirm the transfer to account 1234567 by replying to payments@collect-example.net.
Our server 198.51.100.200 logged version 1.2.3 of your client.
Track: https://collect-example.net/t/aB3dE5fG7hJ9kL1mN3pQ?utm_source=mail&uid=h.sato%40example.jp#h.sato@example.jp
`)
}
