// Package mailtest is an SMTP server of the tests' own that answers with the
// refusals a test scripts: "550 5.1.1 No such mailbox" for one recipient,
// "554 5.7.1 Rejected as spam" for any message, "451 4.3.0 Try later".
//
// maildev (internal/maildev) accepts every message, which is what most
// tests want; it cannot refuse one. The paths that a refusal takes through
// Atlas (a permanent failure reported to the partner with the server's
// reason, a temporary one retried) need a server that says no, over a real
// SMTP conversation, and this is that server. It also speaks STARTTLS or
// implicit TLS with a certificate of its own and requires a login when
// asked to, so the settings a real provider needs are tested too.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/atlas-practice/atlas/internal/config"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // it came over an encrypted connection
	User string // the login it came under; "" without one
}

// Options says how the server speaks. The zero value is plain SMTP with no
// login.
type Options struct {
	// TLS is "starttls" (offered, and AUTH only after it), "tls" (TLS
	// from the first byte) or "" / "none" (plain text).
	TLS string
	// Username and Password, when set, are the one login the server
	// takes; it then refuses mail from a client that has not logged in.
	Username, Password string
}

// Server is a running SMTP server on 127.0.0.1. It accepts everything it has
// not been told to refuse.
type Server struct {
	addr  string
	port  int
	opts  Options
	roots *x509.CertPool

	mu           sync.Mutex
	recipients   map[string]*smtp.SMTPError // by lower-cased address
	messages     *smtp.SMTPError
	accepted     []Message
	authAttempts int
}

// Start starts a plain server with no login on a free loopback port; it
// stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith starts a server as opts says on a free loopback port; it stops
// when the test ends.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{addr: l.Addr().String(), port: l.Addr().(*net.TCPAddr).Port, opts: opts, recipients: map[string]*smtp.SMTPError{}}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest.local"
	// Refused handshakes are what some tests are about; the client's
	// error says what happened.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	switch opts.TLS {
	case "", "none":
		// A server that offers AUTH PLAIN in clear text, so a test can show
		// the client declines it.
		srv.AllowInsecureAuth = true
	case "starttls", "tls":
		cert, roots, err := selfSigned()
		if err != nil {
			t.Fatal(err)
		}
		s.roots = roots
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if opts.TLS == "tls" {
			l = tls.NewListener(l, srv.TLSConfig)
		}
	default:
		t.Fatalf("mailtest: TLS %q: expected starttls, tls or none", opts.TLS)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-served; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("mailtest server: %v", err)
		}
	})
	return s
}

// selfSigned makes a certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}

// RootCAs is the pool that trusts the server's certificate; nil for a
// plain server.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// SMTPConfig is Atlas's SMTP configuration for sending to this server, as
// from, with the server's TLS mode and login.
func (s *Server) SMTPConfig(from string) config.SMTP {
	mode := s.opts.TLS
	if mode == "" {
		mode = "none"
	}
	return config.SMTP{Host: "127.0.0.1", Port: s.port, From: from, TLS: mode,
		Username: s.opts.Username, Password: config.Secret(s.opts.Password)}
}

// AuthAttempts counts the logins tried, right or wrong.
func (s *Server) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authAttempts
}

// RefuseRecipient makes the server answer RCPT TO for addr with reply, an
// SMTP reply as a server writes it: "550 5.1.1 No such mailbox". It panics
// on a reply without a 4xx or 5xx code, a mistake in the test.
func (s *Server) RefuseRecipient(addr, reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recipients[strings.ToLower(addr)] = parseReply(reply)
}

// RefuseMessages makes the server answer the end of every message with
// reply, as a content or policy filter does after reading it.
func (s *Server) RefuseMessages(reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = parseReply(reply)
}

// Accepted returns the messages the server took, in order.
func (s *Server) Accepted() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.accepted...)
}

func parseReply(reply string) *smtp.SMTPError {
	codeText, rest, _ := strings.Cut(strings.TrimSpace(reply), " ")
	code, err := strconv.Atoi(codeText)
	if err != nil || code < 400 || code > 599 {
		panic(fmt.Sprintf("mailtest: %q is not a 4xx or 5xx SMTP reply", reply))
	}
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.NoEnhancedCode, Message: rest}
	if first, text, _ := strings.Cut(rest, " "); strings.Count(first, ".") == 2 {
		var ec smtp.EnhancedCode
		if _, err := fmt.Sscanf(first, "%d.%d.%d", &ec[0], &ec[1], &ec[2]); err == nil {
			e.EnhancedCode, e.Message = ec, text
		}
	}
	return e
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) AuthMechanisms() []string {
	if x.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		x.s.mu.Lock()
		x.s.authAttempts++
		x.s.mu.Unlock()
		if username != x.s.opts.Username || password != x.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.Username != "" && x.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refusal := x.s.recipients[strings.ToLower(to)]
	x.s.mu.Unlock()
	if refusal != nil {
		return refusal
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.messages != nil {
		return x.s.messages
	}
	// Asked now, not at connect: STARTTLS comes later in the conversation.
	_, encrypted := x.conn.TLSConnectionState()
	x.s.accepted = append(x.s.accepted, Message{From: x.from, To: x.to, Data: data, TLS: encrypted, User: x.user})
	return nil
}
