package mail_test

import (
	"bufio"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// smtpServer is a tiny real SMTP server speaking enough of RFC 5321 for
// net/smtp: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It
// advertises neither STARTTLS nor AUTH.
type smtpServer struct {
	ln net.Listener

	mu       sync.Mutex
	rcptCode string // reply to RCPT; "" means 250
	msgs     []received
	wg       sync.WaitGroup
}

type received struct {
	From string
	To   []string
	Data string // the message as sent, dot-unstuffed, CRLF line ends
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

// URL is the smtp:// address to give the Mailer.
func (s *smtpServer) URL() string { return "smtp://" + s.ln.Addr().String() }

// RejectRcpt makes RCPT answer with code (e.g. "550 5.1.1 no such user"),
// or accept again when code is "".
func (s *smtpServer) RejectRcpt(reply string) {
	s.mu.Lock()
	s.rcptCode = reply
	s.mu.Unlock()
}

func (s *smtpServer) Messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	reply := func(line string) bool { return tp.PrintfLine("%s", line) == nil }
	if !reply("220 mamori-test ESMTP ready") {
		return
	}
	var cur received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			// Multi-line reply: the domain, then extensions.
			if !reply("250-mamori-test greets "+arg) || !reply("250-8BITMIME") || !reply("250 SIZE 10485760") {
				return
			}
		case "HELO":
			reply("250 mamori-test")
		case "MAIL":
			cur = received{From: addrArg(arg, "FROM:")}
			reply("250 2.1.0 ok")
		case "RCPT":
			s.mu.Lock()
			code := s.rcptCode
			s.mu.Unlock()
			if code != "" {
				reply(code)
				continue
			}
			cur.To = append(cur.To, addrArg(arg, "TO:"))
			reply("250 2.1.5 ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply("503 5.5.1 no valid recipients")
				continue
			}
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := tp.ReadLine()
				if err != nil {
					return
				}
				if l == "." {
					break
				}
				b.WriteString(strings.TrimPrefix(l, ".") + "\r\n")
			}
			cur.Data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = received{}
			reply("250 2.0.0 queued")
		case "RSET":
			cur = received{}
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not implemented")
		}
	}
}

// addrArg takes "FROM:<a@b> SIZE=1" apart into "a@b".
func addrArg(arg, prefix string) string {
	arg = strings.TrimSpace(arg)
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = arg[len(prefix):]
	}
	arg, _, _ = strings.Cut(strings.TrimSpace(arg), " ")
	return strings.TrimSuffix(strings.TrimPrefix(arg, "<"), ">")
}

// readerFor lets tests parse a received message with net/mail.
func readerFor(r received) *bufio.Reader { return bufio.NewReader(strings.NewReader(r.Data)) }
