package contract

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// smtpSink is a minimal SMTP server the suite's zebra sends its mail to,
// so that the suite can read the one-time tokens of verification and
// reset mails and reach the 2xx of verify-email and
// confirm-password-reset. It accepts everything and keeps the links.
type smtpSink struct {
	ln net.Listener
	mu sync.Mutex
	// links are the mailed links' paths and tokens, in arrival order.
	links []mailLink
	// spent are tokens a request already used successfully.
	spent map[string]bool
}

type mailLink struct {
	to, path, token string
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go s.serve()
	return s
}

// URL is the SMTP_URL that delivers to the sink.
func (s *smtpSink) URL() string { return "smtp://" + s.ln.Addr().String() }

func (s *smtpSink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

// session speaks just enough SMTP (RFC 5321) for one client: no TLS, no
// authentication, every recipient accepted.
func (s *smtpSink) session(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(line string) { _, _ = w.WriteString(line + "\r\n"); _ = w.Flush() }
	reply("220 contract-sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			reply("250-contract-sink")
			reply("250-8BITMIME")
			reply("250 SMTPUTF8")
		case strings.HasPrefix(verb, "HELO"), strings.HasPrefix(verb, "MAIL"), strings.HasPrefix(verb, "RCPT"),
			strings.HasPrefix(verb, "RSET"), strings.HasPrefix(verb, "NOOP"):
			reply("250 OK")
		case verb == "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var msg bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.TrimRight(l, "\r\n") == "." {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, ".")) // dot-unstuffing
			}
			s.keep(msg.Bytes())
			reply("250 OK queued")
		case verb == "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+?(/[a-z-]+)\?token=([A-Za-z0-9_.~%-]+)`)

// keep records the links of a raw message's text parts.
func (s *smtpSink) keep(raw []byte) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return
	}
	to := m.Header.Get("To")
	if addr, err := mail.ParseAddress(to); err == nil {
		to = addr.Address
	}
	text := textOf(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, match := range linkPattern.FindAllStringSubmatch(text, -1) {
		token, err := url.QueryUnescape(match[2])
		if err != nil || seen[token] {
			continue
		}
		seen[token] = true
		s.links = append(s.links, mailLink{to: strings.ToLower(to), path: match[1], token: token})
	}
}

// textOf decodes a MIME body (multipart or not, quoted-printable or
// base64) into its concatenated text.
func textOf(contentType, encoding string, body io.Reader) string {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err == nil && strings.HasPrefix(mediaType, "multipart/") {
		var out strings.Builder
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			// multipart.Part decodes quoted-printable itself.
			out.WriteString(textOf(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p))
			out.WriteString("\n")
		}
		return out.String()
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(body)
	return string(b)
}

// newest returns the newest unspent token mailed to a link ending in path
// (e.g. "/verify-email"), or "" when none is waiting. Newest, because a
// newer reset mail may void the older ones; not removed, because only a
// request that succeeds spends it (see spend), and most drawn requests are
// broken on purpose.
func (s *smtpSink) newest(path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.links) - 1; i >= 0; i-- {
		if l := s.links[i]; l.path == path && !s.spent[l.token] {
			return l.token
		}
	}
	return ""
}

// spend records that token was used by a successful request.
func (s *smtpSink) spend(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spent == nil {
		s.spent = map[string]bool{}
	}
	s.spent[token] = true
}
