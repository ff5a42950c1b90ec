package mailparse

import "strings"

// Headers the receiving side adds: its filters' verdicts, its tenant's
// routing and its authentication checks. They describe the member's
// defences, not the attack, so they are never shared. Matched without
// case, as prefixes where the name ends in "-" or "*".
var receiverHeaders = []string{
	"Authentication-Results",
	"Authentication-Results-Original",
	"X-Original-Authentication-Results",
	"Received-SPF",
	"ARC-*",
	"X-MS-Exchange-*",
	"X-MS-Office365-Filtering-*",
	"X-MS-TrafficTypeDiagnostic",
	"X-MS-PublicTrafficType",
	"X-MS-Oob-TLC-OOBClassifiers",
	"X-Microsoft-Antispam*",
	"X-Forefront-*",
	"X-EOPAttributedMessage",
	"X-EOPTenantAttributedMessage",
	"X-LD-Processed",
	"X-OrganizationHeadersPreserved",
	"X-CrossPremisesHeadersFiltered",
	"X-Spam-*",
	"X-Spam",
	"X-Ham-Report",
	"X-Proofpoint-*",
	"X-IronPort-*",
	"X-IPAS-Result",
	"X-SBRS",
	"X-Virus-Scanned",
	"X-Virus-Status",
	"X-Virus-Checked",
	"X-Antivirus*",
	"X-Mimecast-*",
	"X-MC-Unique",
	"X-Barracuda-*",
	"X-TM-AS-*",
	"X-TMASE-*",
	"X-TM-Received-SPF",
	"X-TM-Authentication-Results",
	"X-TM-Deliver-Signature",
	"X-Sophos-*",
	"X-SEG-*",
	"X-FireEye*",
	"X-Symantec-*",
	"X-Brightmail-*",
	"X-CLX-*",
	"X-ESET-*",
	"X-Amavis-*",
	"X-Quarantine-ID",
	"X-Greylist",
	"X-Rspamd-*",
	"X-Scanned-By",
	"X-MailScanner*",
	"X-DSPAM-*",
	"X-Policy-*",
	"X-Gm-Spam",
	"X-Gm-Phishy",
	"X-Received",
	"X-Google-Smtp-Source-Received",
	"X-AntiAbuse", // cPanel's note about the receiving account
	"X-HDE-*",     // HENNGE One
	"X-CMAE-*",    // Cloudmark
	"X-Cloudmark-*",
	"X-Forwarded-Encrypted",
	"X-Auth-ID",
	"Return-Receipt-To",
	"Disposition-Notification-To",
}

// recipientHeaders name the mail's recipients; their values are
// pseudonymised rather than dropped, so that the analyst still sees that
// a header was there.
var recipientHeaders = []string{
	"To", "Cc", "Bcc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
	"X-Apparently-To", "X-Rcpt-To", "Resent-To", "Resent-Cc", "Resent-Bcc", "X-Forwarded-To",
	"Original-Recipient", "Final-Recipient", "X-Original-Recipient", "X-Delivered-To",
}

// deliveryHeaders are written by the receiving side's servers and name
// the mailbox the mail was delivered to.
var deliveryHeaders = []string{"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Delivered-To",
	"Original-Recipient", "Final-Recipient", "X-Rcpt-To"}

// signatureHeaders are dropped when the signing domain is the member's:
// a signature the receiving side added says who received the mail.
var signatureHeaders = []string{"DKIM-Signature", "X-Google-DKIM-Signature", "ARC-Message-Signature"}

func headerMatches(name string, list []string) bool {
	for _, p := range list {
		if strings.HasSuffix(p, "*") {
			if len(name) >= len(p)-1 && strings.EqualFold(name[:len(p)-1], p[:len(p)-1]) {
				return true
			}
			continue
		}
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// genericAddressees are greeting words that name no one: "お客様",
// "Dear Customer". A greeting made only of these is left alone.
var genericAddressees = map[string]bool{
	"お客": true, "お客様": true, "皆": true, "皆様": true, "みな": true, "各位": true, "関係者": true, "ご担当者": true, "ご担当": true,
	"担当者": true, "ご利用者": true, "利用者": true, "会員": true, "会員の皆": true, "ユーザー": true, "お得意": true, "お取引先": true,
	"お客さま": true, "株主": true, "社員": true, "従業員": true, "管理者": true, "システム管理者": true, "ご契約者": true, "契約者": true,
	"customer": true, "customers": true, "sir": true, "madam": true, "sir/madam": true, "user": true, "users": true, "valued": true,
	"team": true, "all": true, "colleague": true, "colleagues": true, "member": true, "members": true, "client": true,
	"account": true, "holder": true, "friend": true, "friends": true, "recipient": true, "employee": true, "employees": true,
	"staff": true, "partner": true, "partners": true, "subscriber": true, "shareholder": true, "there": true, "everyone": true,
	"beneficiary": true, "owner": true, "admin": true, "administrator": true, "support": true, "sirs": true, "mr": true, "ms": true,
}

// genericMailboxes are local parts that name a desk or a function, not a
// person: replacing them in text would blank ordinary words.
var genericMailboxes = setOf("info", "information", "contact", "support", "admin", "administrator", "webmaster",
	"postmaster", "hostmaster", "office", "sales", "service", "services", "help", "helpdesk", "mail", "email", "user",
	"users", "test", "noreply", "no-reply", "staff", "team", "jinji", "soumu", "somu", "keiri", "eigyo", "kikaku",
	"soudan", "toiawase", "otoiawase", "inquiry", "inquiries", "customer", "billing", "account", "accounts", "security",
	"abuse", "root", "master", "manager", "order", "orders", "shop", "press", "recruit", "saiyo", "general", "mailadmin",
	"system", "finance", "legal", "hello", "office365", "tokyo", "osaka", "japan")

// shortWords are three-letter local parts that are ordinary words or
// functions, not surnames: replacing them in text would blank prose.
var shortWords = setOf("the", "and", "for", "you", "are", "not", "but", "all", "any", "can", "our", "out", "one", "new",
	"now", "see", "use", "way", "who", "may", "get", "has", "had", "his", "her", "him", "its", "let", "put", "say", "she",
	"too", "two", "web", "www", "ftp", "dev", "ops", "biz", "job", "app", "pay", "bot", "ceo", "cfo", "cto", "adm", "sys",
	"mgr", "net", "fax", "tel", "box", "key", "bill", "buy", "job", "art", "law", "tax", "pro", "abc", "xyz", "kyc", "sms")

// sharedMailDomains are mail providers whose users have nothing else in
// common: a recipient there says nothing of the member, so the domain is
// not hidden (and a sender there stays an indicator).
var sharedMailDomains = setOf("gmail.com", "googlemail.com", "yahoo.co.jp", "yahoo.com", "ymail.com", "outlook.com",
	"outlook.jp", "hotmail.com", "hotmail.co.jp", "live.com", "live.jp", "msn.com", "icloud.com", "me.com", "mac.com",
	"aol.com", "docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "softbank.jp", "proton.me", "protonmail.com",
	"qq.com", "163.com", "naver.com", "nifty.com", "biglobe.ne.jp", "ocn.ne.jp", "so-net.ne.jp", "plala.or.jp",
	"zoho.com", "gmx.com", "mail.com", "yandex.com", "onmicrosoft.com", "google.com", "outlook.com",
	"protection.outlook.com", "office365.com", "amazonses.com", "sendgrid.net")

// honorifics end a Japanese greeting line's addressee.
var honorifics = []string{"御中", "様", "さま", "さん", "殿", "くん", "君",
	// Titles used in place of 様 ("経理部 山田部長").
	"部長", "課長", "次長", "係長", "主任", "社長", "専務", "常務", "所長", "支店長", "店長", "先生"}

// greetingWords open an English greeting.
var greetingWords = []string{"dear", "hi", "hello", "attn", "attention", "to", "greetings"}

var nameTitles = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true, "mx": true}

// tokenKeys are query parameters that carry the recipient by name.
var tokenKeys = map[string]bool{
	"email": true, "mail": true, "e-mail": true, "recipient": true, "rcpt": true, "uid": true, "user": true,
	"userid": true, "user_id": true, "username": true, "login": true, "subscriber": true, "token": true,
	"tk": true, "sid": true, "session": true,
}
