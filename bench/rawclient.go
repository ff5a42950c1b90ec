package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// rawConn is the lean load generator's client: one keep-alive HTTP/1.1
// connection that writes requests serialised once up front and reads
// responses with a minimal parser (status line, Content-Length or chunked
// body, Connection: close). On 2 cores the generator shares the CPU with
// the server under test; net/http's client spends about as much CPU per
// request as a bare server does, which inflates every latency it
// measures, the ceiling's included. This one spends a fraction of it
// (like wrk does), so the figures say more about the server.
type rawConn struct {
	addr  string
	conn  net.Conn
	br    *bufio.Reader
	dials *atomic.Int64
}

// rawRequest serialises one request of sc to url u.
func rawRequest(sc scenario, u string) ([]byte, string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, "", err
	}
	if pu.Scheme != "http" {
		return nil, "", fmt.Errorf("raw client: %s: only http:// is supported", u)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mamori-bench\r\n", sc.method, pu.RequestURI(), pu.Host)
	for k, vs := range sc.header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if sc.body != "" || sc.method == "POST" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(sc.body))
	}
	b.WriteString("\r\n")
	b.WriteString(sc.body)
	return b.Bytes(), pu.Host, nil
}

// do sends req and reads the whole response, returning its status. After
// an error the connection is closed; the next call dials again.
func (c *rawConn) do(ctx context.Context, req []byte) (int, error) {
	if c.conn == nil {
		d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, err
		}
		c.dials.Add(1)
		c.conn = conn
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 32<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	status, keep, err := c.roundTrip(req)
	if err != nil || !keep {
		c.close()
	}
	return status, err
}

func (c *rawConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

var errMalformed = errors.New("raw client: malformed response")

func (c *rawConn) roundTrip(req []byte) (status int, keep bool, err error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, false, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errMalformed
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, errMalformed
	}
	keep = true
	length, chunked := -1, false
	for {
		h, err := c.br.ReadSlice('\n')
		if err != nil {
			return status, false, err
		}
		if len(h) <= 2 { // the blank line
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return status, false, errMalformed
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "content-length"):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return status, false, errMalformed
			}
		case asciiEqualFold(k, "transfer-encoding"):
			chunked = asciiEqualFold(v, "chunked")
		case asciiEqualFold(k, "connection"):
			keep = !asciiEqualFold(v, "close")
		}
	}
	switch {
	case chunked:
		for {
			l, err := c.br.ReadSlice('\n')
			if err != nil {
				return status, false, err
			}
			size, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(l, []byte(";"), 2)[0])), 16, 64)
			if err != nil {
				return status, false, errMalformed
			}
			if _, err := c.br.Discard(int(size) + 2); err != nil { // data and its CRLF
				return status, false, err
			}
			if size == 0 {
				return status, keep, nil
			}
		}
	case length >= 0:
		_, err := c.br.Discard(length)
		return status, keep, err
	case status == http.StatusNoContent || status == http.StatusNotModified:
		return status, keep, nil
	}
	// No length: the body runs to the end of the connection.
	_, err = io.Copy(io.Discard, c.br)
	return status, false, err
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
