// Package maildev runs maildev — a real SMTP server that keeps every message
// it is sent and shows them in a web inbox and over an HTTP API — as a child
// process, for the playground and for the tests of Atlas's email.
//
// It exists so that email is tested the way it is sent: over SMTP, to a
// server that parses the message as a mail client would, and read back
// through that server rather than from a mock's memory. The playground uses
// the same server so a person can open the inbox and see what Atlas sent.
//
// maildev is an npm package pinned in internal/playground/maildev (`make
// mail-deps` installs it). Start runs it on loopback ports; Stop and Start
// again on the same ports stand in for a mail server that goes away and
// comes back.
package maildev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atlas-practice/atlas/internal/config"
)

// Dir is where the maildev npm package is installed, relative to the
// repository root.
const Dir = "internal/playground/maildev"

// InstallHint says how to install maildev; errors about a missing install
// carry it.
const InstallHint = "make mail-deps (or: npm ci --prefix " + Dir + ")"

// ErrNotInstalled is returned (wrapped) when maildev is not under
// Dir/node_modules.
var ErrNotInstalled = errors.New("maildev is not installed; run: " + InstallHint)

// Options says how to start maildev. The zero value starts it on two free
// ports, found from the working directory.
type Options struct {
	Root     string        // repository root; "" = the nearest parent of the working directory with a go.mod
	SMTPPort int           // 0 = a free port on 127.0.0.1
	WebPort  int           // 0 = a free port on 127.0.0.1
	Output   io.Writer     // the child's stdout and stderr; nil = discarded (the tail still goes into start errors)
	Timeout  time.Duration // how long to wait for both ports to answer; 0 = 20s
}

// Server is maildev, running or stopped, on fixed ports.
type Server struct {
	exe     string
	opts    Options
	smtp    int
	web     int
	baseURL string
	http    *http.Client

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of the child.
type process struct {
	cmd    *exec.Cmd
	tmp    string // maildev's scratch directory, removed when it stops
	done   chan struct{}
	err    error // from cmd.Wait, read after done is closed
	tail   *tailWriter
	signal sync.Once
}

// Start starts maildev and returns once its SMTP port greets and its API
// answers. ctx bounds only the wait: the server runs until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Root == "" {
		root, err := findRoot()
		if err != nil {
			return nil, err
		}
		opts.Root = root
	}
	exe := filepath.Join(opts.Root, Dir, "node_modules", ".bin", "maildev")
	if fi, err := os.Stat(exe); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("%w (looked for %s)", ErrNotInstalled, exe)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("maildev needs Node.js, and node is not on PATH: %w", err)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	// A free port can be taken between our probe and the child's bind: try
	// again with others when the child fails to start on the ones chosen.
	attempts := 1
	if opts.SMTPPort == 0 || opts.WebPort == 0 {
		attempts = 3
	}
	var err error
	for range attempts {
		s := &Server{exe: exe, opts: opts, smtp: opts.SMTPPort, web: opts.WebPort, http: &http.Client{Timeout: 10 * time.Second}}
		if s.smtp == 0 {
			if s.smtp, err = freePort(); err != nil {
				return nil, err
			}
		}
		if s.web == 0 {
			if s.web, err = freePort(); err != nil {
				return nil, err
			}
		}
		s.baseURL = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.web))
		if err = s.Start(ctx); err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

// Start starts maildev again after Stop, on the same ports, with an empty
// inbox. It is a no-op while the server is running.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		select {
		case <-s.proc.done:
			s.proc.cleanup()
			s.proc = nil
		default:
			return nil
		}
	}
	p, err := s.launch()
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx, p); err != nil {
		p.stop()
		return err
	}
	s.proc = p
	return nil
}

func (s *Server) launch() (*process, error) {
	// maildev keeps messages in memory but writes each one's source and
	// attachments under $TMPDIR/maildev; a directory of its own per run
	// keeps parallel servers apart and leaves nothing behind.
	tmp, err := os.MkdirTemp("", "atlas-maildev-")
	if err != nil {
		return nil, err
	}
	args := []string{
		"--smtp", strconv.Itoa(s.smtp), "--ip", "127.0.0.1",
		"--web", strconv.Itoa(s.web), "--web-ip", "127.0.0.1",
		"--silent",
	}
	p := &process{tmp: tmp, done: make(chan struct{}), tail: &tailWriter{max: 4096}}
	var out io.Writer = p.tail
	if s.opts.Output != nil {
		out = io.MultiWriter(p.tail, s.opts.Output)
	}
	cmd := exec.Command(s.exe, args...)
	// maildev also reads MAILDEV_* variables and a config file found from
	// its working directory; neither may change what the flags say.
	cmd.Dir = tmp
	cmd.Env = append(filterEnv(os.Environ(), "MAILDEV_", "TMPDIR="), "TMPDIR="+tmp)
	cmd.Stdout, cmd.Stderr = out, out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("start maildev: %w", err)
	}
	p.cmd = cmd
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// waitReady polls both ports until the SMTP server greets and the API
// answers, the child exits, or the deadline passes.
func (s *Server) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	smtpUp, webUp := false, false
	var lastErr error
	for {
		if !smtpUp {
			smtpUp, lastErr = smtpGreets(ctx, s.SMTPAddr())
		}
		if smtpUp && !webUp {
			webUp, lastErr = s.healthy(ctx)
		}
		if smtpUp && webUp {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("maildev exited before it answered (%v):\n%s", p.err, p.tail)
		case <-ctx.Done():
			return fmt.Errorf("maildev did not answer on SMTP %s and web %s within %v: %v\n%s",
				s.SMTPAddr(), s.baseURL, s.opts.Timeout, lastErr, p.tail)
		case <-tick.C:
		}
	}
}

// smtpGreets reports whether an SMTP server at addr sends its 220 greeting.
func smtpGreets(ctx context.Context, addr string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	line := make([]byte, 512)
	n, err := conn.Read(line)
	if err != nil {
		return false, fmt.Errorf("no SMTP greeting: %w", err)
	}
	if !bytes.HasPrefix(line[:n], []byte("220")) {
		return false, fmt.Errorf("unexpected SMTP greeting %q", line[:n])
	}
	_, _ = conn.Write([]byte("QUIT\r\n"))
	return true, nil
}

func (s *Server) healthy(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := s.do(ctx, http.MethodGet, "/api/healthz", nil); err != nil {
		return false, err
	}
	return true, nil
}

// Stop ends maildev (SIGTERM to its process group, SIGKILL after 5s) and
// waits until it has exited, so its ports refuse connections when Stop
// returns. It is safe to call more than once, and on a stopped server.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	err := s.proc.stop()
	s.proc = nil
	return err
}

func (p *process) stop() error {
	p.signal.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		signalGroup(p.cmd, false)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			signalGroup(p.cmd, true)
			<-p.done
		}
	})
	<-p.done
	p.cleanup()
	if exitedBySignal(p.err) {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) && exit.ExitCode() == 0 {
		return nil
	}
	if p.err != nil {
		return fmt.Errorf("maildev: %v\n%s", p.err, p.tail)
	}
	return nil
}

func (p *process) cleanup() { _ = os.RemoveAll(p.tmp) }

// SMTPAddr is the SMTP server's host:port.
func (s *Server) SMTPAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.smtp)) }

// SMTPPort is the SMTP server's port.
func (s *Server) SMTPPort() int { return s.smtp }

// URL is the web inbox a person opens.
func (s *Server) URL() string { return s.baseURL + "/" }

// SMTPConfig is Atlas's SMTP configuration for sending to this server, as
// from, in plain text (maildev speaks no TLS here).
func (s *Server) SMTPConfig(from string) config.SMTP {
	return config.SMTP{Host: "127.0.0.1", Port: s.smtp, From: from, TLS: "none"}
}

// Address is a mailbox as maildev parsed it from a header.
type Address struct {
	Address string `json:"address"`
	Name    string `json:"name"`
}

// Attachment is an attachment as maildev lists it; Attachment (the method)
// fetches its bytes.
type Attachment struct {
	FileName          string `json:"filename"`
	GeneratedFileName string `json:"generatedFileName"` // the name maildev serves it under
	ContentType       string `json:"contentType"`
	Disposition       string `json:"contentDisposition"`
	Size              int    `json:"size"`
}

// Email is a message maildev received, as its API shows it.
type Email struct {
	ID          string                     `json:"id"`
	Time        time.Time                  `json:"time"`
	Subject     string                     `json:"subject"`
	From        []Address                  `json:"from"`
	To          []Address                  `json:"to"`
	CC          []Address                  `json:"cc"`
	Text        string                     `json:"text"`
	HTML        string                     `json:"html"` // as maildev shows it: sanitised, so not always byte for byte what was sent
	Headers     map[string]json.RawMessage `json:"headers"`
	Attachments []Attachment               `json:"attachments"`
	Envelope    struct {
		From Address   `json:"from"`
		To   []Address `json:"to"`
	} `json:"envelope"`
}

// Header returns the first value of a header field (name in any case), as
// received.
func (e Email) Header(name string) string {
	for k, raw := range e.Headers {
		if !strings.EqualFold(k, name) {
			continue
		}
		var one string
		if json.Unmarshal(raw, &one) == nil {
			return one
		}
		var many []string
		if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
			return many[0]
		}
	}
	return ""
}

// Emails lists every message in the inbox, oldest first.
func (s *Server) Emails(ctx context.Context) ([]Email, error) {
	var out []Email
	if err := s.do(ctx, http.MethodGet, "/api/email", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// WaitForEmails polls the inbox until it holds at least n messages and
// returns them, or fails when ctx ends, saying how many had arrived.
func (s *Server) WaitForEmails(ctx context.Context, n int) ([]Email, error) {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var last []Email
	listed := false
	var lastErr error
	for {
		emails, err := s.Emails(ctx)
		switch {
		case err == nil && len(emails) >= n:
			return emails, nil
		case err == nil:
			last, listed, lastErr = emails, true, nil
		case ctx.Err() == nil:
			// A listing cut short by ctx ending says nothing about maildev.
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil || !listed {
				return nil, fmt.Errorf("waiting for %d emails: %w (last error: %v)", n, ctx.Err(), lastErr)
			}
			return last, fmt.Errorf("waiting for %d emails: %w with %d in the inbox", n, ctx.Err(), len(last))
		case <-tick.C:
		}
	}
}

// DeleteAll empties the inbox.
func (s *Server) DeleteAll(ctx context.Context) error {
	return s.do(ctx, http.MethodDelete, "/api/email/all", nil)
}

// Source returns the message exactly as the SMTP server received it.
func (s *Server) Source(ctx context.Context, id string) ([]byte, error) {
	return s.get(ctx, "/api/email/"+url.PathEscape(id)+"/source")
}

// Attachment returns the bytes of one attachment of a message.
func (s *Server) Attachment(ctx context.Context, id string, a Attachment) ([]byte, error) {
	return s.get(ctx, "/api/email/"+url.PathEscape(id)+"/attachment/"+url.PathEscape(a.GeneratedFileName))
}

func (s *Server) get(ctx context.Context, path string) ([]byte, error) {
	var body []byte
	if err := s.do(ctx, http.MethodGet, path, &body); err != nil {
		return nil, err
	}
	return body, nil
}

// do calls the API; into is a *[]byte for the raw body, a pointer to decode
// JSON into, or nil.
func (s *Server) do(ctx context.Context, method, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.baseURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("maildev %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("maildev %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("maildev %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(body))
	}
	switch into := into.(type) {
	case nil:
		return nil
	case *[]byte:
		*into = body
		return nil
	default:
		if err := json.Unmarshal(body, into); err != nil {
			return fmt.Errorf("maildev %s %s: %w", method, path, err)
		}
		return nil
	}
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("maildev: no go.mod above the working directory")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func filterEnv(env []string, prefixes ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// tailWriter keeps the last max bytes written, for error messages.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
