package mail_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/jobs"
	"mamori/internal/mail"
)

const from = "まもり事務局 <no-reply@example.jp>"

func setup(d *db.DB, smtpURL string) (*mail.Mailer, *jobs.Queue) {
	q := jobs.New(d, slog.New(slog.DiscardHandler))
	return mail.New(d, q, smtpURL, from), q
}

type outboxRow struct {
	Status, LastError string
	Attempts          int
	SentAt            *time.Time
}

func onlyOutbox(t *testing.T, d *db.DB) outboxRow {
	t.Helper()
	var o outboxRow
	var n int
	ctx := context.Background()
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("outbox holds %d messages (%v), want 1", n, err)
	}
	if err := d.QueryRowContext(ctx, `SELECT status, last_error, attempts, sent_at FROM mail_outbox`).Scan(&o.Status, &o.LastError, &o.Attempts, &o.SentAt); err != nil {
		t.Fatal(err)
	}
	return o
}

type jobRow struct {
	Status, LastError string
	Attempts          int
	RunAt             time.Time
}

func onlyJob(t *testing.T, d *db.DB) jobRow {
	t.Helper()
	var j jobRow
	if err := d.QueryRowContext(context.Background(), `SELECT status, last_error, attempts, run_at FROM jobs WHERE kind = ?`, mail.JobKind).
		Scan(&j.Status, &j.LastError, &j.Attempts, &j.RunAt); err != nil {
		t.Fatal(err)
	}
	return j
}

func makeJobsDue(t *testing.T, d *db.DB) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), `UPDATE jobs SET run_at = ? WHERE status = 'pending'`, db.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestSendWithoutSMTPStores(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m, q := setup(d, "")
		if err := m.Send(ctx, d, mail.Message{To: "user@example.jp", Subject: "件名", Body: "本文"}); err != nil {
			t.Fatal(err)
		}
		if o := onlyOutbox(t, d); o.Status != "stored" || o.Attempts != 0 || o.SentAt != nil {
			t.Errorf("outbox: %+v, want stored", o)
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&n)
		if n != 0 {
			t.Errorf("%d jobs enqueued without SMTP", n)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDeliveryOverSMTP(t *testing.T) {
	subject := "【mamori】パスワード再設定のご案内（有効期限：24時間）"
	body := "山田 太郎 様\n\n以下のリンクからパスワードを再設定してください。\nhttps://mamori.example.jp/reset?token=abc\n\n" +
		strings.Repeat("情報セキュリティ対策を進めましょう。", 10) + "\n.\n..先頭のドット\n"
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := startSMTP(t)
		m, q := setup(d, srv.URL())
		err := d.InTx(ctx, func(tx *db.Tx) error {
			return m.Send(ctx, tx, mail.Message{To: "yamada@example.jp", Subject: subject, Body: body})
		})
		if err != nil {
			t.Fatal(err)
		}
		if o := onlyOutbox(t, d); o.Status != "queued" {
			t.Fatalf("before delivery: %+v", o)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server received %d messages, want 1", len(msgs))
		}
		got := msgs[0]
		if got.From != "no-reply@example.jp" || len(got.To) != 1 || got.To[0] != "yamada@example.jp" {
			t.Errorf("envelope MAIL FROM %q RCPT %q", got.From, got.To)
		}
		for _, l := range strings.Split(got.Data, "\r\n") {
			if len(l) > 998 {
				t.Errorf("line longer than 998 octets: %q", l)
			}
			for _, c := range []byte(l) {
				if c >= 0x80 {
					t.Fatalf("8-bit octet in the message, line %q", l)
				}
			}
		}
		msg, err := netmail.ReadMessage(readerFor(got))
		if err != nil {
			t.Fatal(err)
		}
		var dec mime.WordDecoder
		gotSubject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || gotSubject != subject {
			t.Errorf("Subject %q decodes to %q (%v), want %q", msg.Header.Get("Subject"), gotSubject, err, subject)
		}
		if !strings.HasPrefix(msg.Header.Get("Subject"), "=?UTF-8?b?") && !strings.HasPrefix(msg.Header.Get("Subject"), "=?UTF-8?B?") {
			t.Errorf("Subject %q is not RFC 2047 B-encoded", msg.Header.Get("Subject"))
		}
		fromAddr, err := msg.Header.AddressList("From")
		if err != nil || len(fromAddr) != 1 || fromAddr[0].Name != "まもり事務局" || fromAddr[0].Address != "no-reply@example.jp" {
			t.Errorf("From %q parses to %v (%v)", msg.Header.Get("From"), fromAddr, err)
		}
		if to := msg.Header.Get("To"); to != "yamada@example.jp" {
			t.Errorf("To = %q", to)
		}
		if _, err := msg.Header.Date(); err != nil {
			t.Errorf("Date: %v", err)
		}
		if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") {
			t.Errorf("Message-ID = %q", id)
		}
		mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil || mt != "text/plain" || !strings.EqualFold(params["charset"], "UTF-8") {
			t.Errorf("Content-Type %q", msg.Header.Get("Content-Type"))
		}
		if cte := msg.Header.Get("Content-Transfer-Encoding"); !strings.EqualFold(cte, "base64") {
			t.Errorf("Content-Transfer-Encoding %q", cte)
		}
		raw, _ := io.ReadAll(msg.Body)
		for _, l := range strings.Split(strings.TrimRight(string(raw), "\r\n"), "\r\n") {
			if len(l) > 76 {
				t.Errorf("base64 line of %d characters, want at most 76", len(l))
			}
		}
		decoded, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
		if err != nil || string(decoded) != body {
			t.Errorf("body decodes to %q (%v), want %q", decoded, err, body)
		}
		o := onlyOutbox(t, d)
		if o.Status != "sent" || o.Attempts != 1 || o.SentAt == nil || o.LastError != "" {
			t.Errorf("outbox after delivery: %+v", o)
		}
		if j := onlyJob(t, d); j.Status != "done" {
			t.Errorf("job after delivery: %+v", j)
		}
	})
}

func TestDeliveryFailureIsRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := startSMTP(t)
		srv.RejectRcpt("550 5.1.1 mailbox unavailable")
		m, q := setup(d, srv.URL())
		if err := m.Send(ctx, d, mail.Message{To: "ghost@example.jp", Subject: "s", Body: "b"}); err != nil {
			t.Fatal(err)
		}
		before := db.Now()
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		o := onlyOutbox(t, d)
		if o.Status != "queued" || o.Attempts != 1 || !strings.Contains(o.LastError, "550") || o.SentAt != nil {
			t.Errorf("outbox after refusal: %+v", o)
		}
		j := onlyJob(t, d)
		if j.Status != "pending" || j.Attempts != 1 || !strings.Contains(j.LastError, "550") || j.RunAt.Before(before.Add(jobs.Backoff(1))) {
			t.Errorf("job after refusal: %+v, want pending and retried later", j)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages accepted", n)
		}
		// The server takes mail again; the retry delivers.
		srv.RejectRcpt("")
		makeJobsDue(t, d)
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if o := onlyOutbox(t, d); o.Status != "sent" || o.Attempts != 2 || o.LastError != "" {
			t.Errorf("outbox after retry: %+v", o)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages delivered after retry, want 1", n)
		}
		// A job run again after a successful send does not send twice.
		if _, err := d.ExecContext(ctx, `UPDATE jobs SET status = 'pending', run_at = ?`, db.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages after re-running the job, want 1", n)
		}
	})
}

func TestDeliveryNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "smtp://" + ln.Addr().String()
	ln.Close()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m, q := setup(d, deadURL)
		if err := m.Send(ctx, d, mail.Message{To: "user@example.jp", Subject: "s", Body: "b"}); err != nil {
			t.Fatal(err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if o := onlyOutbox(t, d); o.Status != "queued" || o.Attempts != 1 || o.LastError == "" {
			t.Errorf("outbox: %+v, want queued with the dial error", o)
		}
		if j := onlyJob(t, d); j.Status != "pending" || j.Attempts != 1 || j.LastError == "" {
			t.Errorf("job: %+v, want pending for retry", j)
		}
	})
}

func TestSendRefusesBadRecipient(t *testing.T) {
	bad := []string{"", "not-an-address", "user@", "@example.jp", "a@example.jp, b@example.jp",
		"user@example.jp\r\nBcc: victim@example.jp", "user@example.jp\nSubject: x",
		// What net/mail reads as another address than the text stored: a
		// recipient is always an account's bare address.
		"victim@example.jp(x)", "山田 太郎 <yamada@example.jp>", "<yamada@example.jp>"}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m, _ := setup(d, "smtp://127.0.0.1:1")
		for _, to := range bad {
			if err := m.Send(ctx, d, mail.Message{To: to, Subject: "s", Body: "b"}); err == nil {
				t.Errorf("Send to %q accepted", to)
			}
		}
		var n int
		d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM mail_outbox) + (SELECT COUNT(*) FROM jobs)`).Scan(&n)
		if n != 0 {
			t.Errorf("refused sends left %d rows", n)
		}
	})
}

func TestList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m, _ := setup(d, "")
		for i, to := range []string{"a@example.jp", "b@example.jp", "a@example.jp", "Mixed@Example.jp"} {
			if err := m.Send(ctx, d, mail.Message{To: to, Subject: string(rune('A' + i)), Body: "本文"}); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			to            string
			limit, offset int
			want          string // subjects, newest first
		}{
			{"", 10, 0, "DCBA"},
			{"", 2, 0, "DC"},
			{"", 2, 2, "BA"},
			{"a@example.jp", 10, 0, "CA"},
			{"A@EXAMPLE.JP", 10, 0, "CA"},
			{"b@example.jp", 10, 0, "B"},
			{"Mixed@Example.jp", 10, 0, "D"},
			{"mixed@example.jp", 10, 0, "D"},
			{"nobody@example.jp", 10, 0, ""},
			{"a@example.jp", 1, 1, "A"},
		}
		for _, tt := range tests {
			for _, q := range []db.Querier{d, d.Read()} {
				items, err := mail.List(ctx, q, tt.to, tt.limit, tt.offset)
				if err != nil {
					t.Fatal(err)
				}
				var got strings.Builder
				for _, it := range items {
					got.WriteString(it.Subject)
					if it.Status != "stored" || it.Body != "本文" || it.CreatedAt.IsZero() || it.SentAt != nil || it.ID == "" {
						t.Errorf("item %+v", it)
					}
				}
				if got.String() != tt.want {
					t.Errorf("List(%q, %d, %d) = %q, want %q", tt.to, tt.limit, tt.offset, got.String(), tt.want)
				}
			}
		}
	})
}

// Issue 23 point 4: once SMTP has delivered a mail, the outbox keeps its
// body with the link secret masked, while the recipient got it whole.
func TestDeliveredMailKeepsNoLinkSecret(t *testing.T) {
	const secret = "s3cr3t-reset-token-0123456789abcdef"
	body := "https://mamori.example.jp/password/reset/" + secret + "\n"
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := startSMTP(t)
		m, q := setup(d, srv.URL())
		if err := m.Send(ctx, d, mail.Message{To: "yamada@example.jp", Subject: "reset", Body: body, Secrets: []string{secret}}); err != nil {
			t.Fatal(err)
		}
		items, err := mail.List(ctx, d, "", 10, 0)
		if err != nil || len(items) != 1 || strings.Contains(items[0].Shown, secret) || !strings.Contains(items[0].Shown, mail.SecretPlaceholder) {
			t.Fatalf("queued mail shown as %+v (%v)", items, err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server received %d messages", len(msgs))
		}
		msg, err := netmail.ReadMessage(readerFor(msgs[0]))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(msg.Body)
		if dec, _ := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw))); string(dec) != body {
			t.Errorf("delivered body %q, want %q", dec, body)
		}
		if o := onlyOutbox(t, d); o.Status != "sent" {
			t.Fatalf("outbox after delivery: %+v", o)
		}
		var stored string
		if err := d.QueryRowContext(ctx, `SELECT body || '|' || COALESCE(shown_body, '') FROM mail_outbox`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, secret) || !strings.Contains(stored, mail.SecretPlaceholder) {
			t.Errorf("outbox keeps %q after delivery", stored)
		}
	})
}
