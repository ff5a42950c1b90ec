// Package mail sends mamori's e-mail through a jobs-table worker. Every
// message is first written to the outbox table; with SMTP configured the
// worker delivers it, without SMTP it stays in the outbox for administrators
// to read, so a single machine works without a mail server.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"mamori/internal/db"
	"mamori/internal/jobs"
)

// JobKind is the jobs-table kind for outgoing mail.
const JobKind = "mail.send"

// Message is one outgoing plain-text mail.
type Message struct {
	To      string
	Subject string
	Body    string
	// Secrets are the link secrets Body holds (reset, verification and
	// invitation tokens). Their digests alone are stored elsewhere, so the
	// outbox shows the body with each replaced by SecretPlaceholder and,
	// once SMTP has delivered the mail, keeps only that masked body.
	Secrets []string
}

// SecretPlaceholder replaces a link secret in the body administrators see
// and in the body kept after delivery.
const SecretPlaceholder = "[secret removed]"

// Mask returns body with every secret replaced by SecretPlaceholder.
func Mask(body string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			body = strings.ReplaceAll(body, s, SecretPlaceholder)
		}
	}
	return body
}

// Mailer queues and delivers mail.
type Mailer struct {
	db      *db.DB
	jobs    *jobs.Queue
	smtpURL string
	from    string
	// Dial is replaceable so tests can point delivery at a local server.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
}

// New wires a mailer and registers its job handler.
func New(d *db.DB, q *jobs.Queue, smtpURL, from string) *Mailer {
	m := &Mailer{db: d, jobs: q, smtpURL: smtpURL, from: from}
	m.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "tcp", addr)
	}
	q.Register(JobKind, m.deliver)
	return m
}

// Send stores msg in the outbox and queues its delivery in the same
// transaction as the change that caused it.
func (m *Mailer) Send(ctx context.Context, tx db.Querier, msg Message) error {
	// The recipient is an account's address, held to the one address rule
	// when it was stored: refuse anything else rather than deliver to an
	// address other than the one written (net/mail would read
	// "victim@example.jp(x)" as victim@example.jp).
	to, problem := CheckAddress(msg.To)
	if problem != "" || to != msg.To {
		return fmt.Errorf("%w (%s)", ErrBadRecipient, problem)
	}
	id := db.NewID()
	status := "queued"
	if m.smtpURL == "" {
		status = "stored"
	}
	// Without SMTP the outbox is the delivery channel: the body stays whole
	// in the table (read by whoever runs the machine, and by tests), while
	// /admin/outbox shows only the masked body to administrators who are
	// not the recipient.
	if _, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (id, to_addr, subject, body, shown_body, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, msg.To, msg.Subject, msg.Body, Mask(msg.Body, msg.Secrets), status, db.Now()); err != nil {
		return err
	}
	if m.smtpURL == "" {
		return nil
	}
	_, err := m.jobs.Enqueue(ctx, tx, JobKind, map[string]string{"id": id}, 10, time.Time{})
	return err
}

func (m *Mailer) deliver(ctx context.Context, payload json.RawMessage) error {
	var p struct{ ID string }
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	var msg Message
	var status string
	err := m.db.QueryRowContext(ctx, `SELECT to_addr, subject, body, status FROM mail_outbox WHERE id = ?`, p.ID).Scan(&msg.To, &msg.Subject, &msg.Body, &status)
	if err != nil {
		return db.Classify(err)
	}
	if status == "sent" {
		return nil
	}
	sendErr := m.sendSMTP(ctx, msg)
	if sendErr != nil {
		m.db.ExecContext(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?`, sendErr.Error(), p.ID)
		return sendErr
	}
	// Delivered: the recipient has the secrets now, so the stored body
	// becomes the masked one (empty for mail stored before masking).
	_, err = m.db.ExecContext(ctx, `UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '', body = COALESCE(shown_body, '') WHERE id = ?`, db.Now(), p.ID)
	return err
}

// Build renders the RFC 5322 message. Subjects are RFC 2047 encoded and the
// body base64 in UTF-8, which every Japanese mail client reads.
func Build(from, to, subject, body string, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", encodeAddress(from))
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@mamori>\r\n", db.NewID())
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

func encodeAddress(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return s
	}
	return a.String()
}

func (m *Mailer) sendSMTP(ctx context.Context, msg Message) error {
	u, err := url.Parse(m.smtpURL)
	if err != nil {
		return err
	}
	port := u.Port()
	if port == "" {
		port = "587"
		if u.Scheme == "smtps" {
			port = "465"
		}
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := m.Dial(ctx, addr)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if u.Scheme == "smtps" {
		conn = tls.Client(conn, &tls.Config{ServerName: u.Hostname()})
	}
	c, err := smtp.NewClient(conn, u.Hostname())
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if u.Scheme == "smtp" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: u.Hostname()}); err != nil {
				return err
			}
		}
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())); err != nil {
			return err
		}
	}
	from, err := mail.ParseAddress(m.from)
	if err != nil {
		return err
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(msg.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Build(m.from, msg.To, msg.Subject, msg.Body, time.Now())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Outboxed is a stored message as administrators see it.
type Outboxed struct {
	ID      string
	To      string
	Subject string
	// Body is the whole body; Shown has the link secrets masked (empty,
	// with Legacy set, for mail stored before masking existed).
	Body      string
	Shown     string
	Legacy    bool
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// List returns the newest outbox entries, optionally for one recipient.
func List(ctx context.Context, q db.Querier, to string, limit, offset int) ([]Outboxed, error) {
	query := `SELECT id, to_addr, subject, body, shown_body, status, attempts, last_error, created_at, sent_at FROM mail_outbox`
	var args []any
	if to != "" {
		// Addresses are compared without case, as mail systems do, so the
		// filter finds a message whatever case it was sent with.
		query += ` WHERE lower(to_addr) = ?`
		args = append(args, strings.ToLower(to))
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, limit, offset)
	return db.Collect(ctx, q, func(r db.Scanner) (Outboxed, error) {
		var o Outboxed
		var shown *string
		err := r.Scan(&o.ID, &o.To, &o.Subject, &o.Body, &shown, &o.Status, &o.Attempts, &o.LastError, &o.CreatedAt, &o.SentAt)
		if shown != nil {
			o.Shown = *shown
		} else {
			o.Legacy = true
		}
		return o, err
	}, query, args...)
}
