// Package mail sends Atlas's outgoing email — invoices and reminders to a
// practice's clients — through the SMTP server that config.SMTP names.
//
// A caller needs two things from a failed send that the SMTP library does
// not say plainly: whether trying again can help, and, when it cannot, the
// mail server's own words, so Atlas can tell the partner why an invoice did
// not go out. Send therefore returns an *Error: Permanent for a 5xx refusal
// (no such mailbox, rejected by policy) or a message that can never be sent,
// temporary for everything else (a 4xx answer, a server that is down or slow,
// a cancelled context). IsPermanent and Reason read it.
//
// The caller chooses each message's Message-ID from what it sends (the
// invoice and its attempt), so a send that is retried after its outcome was
// lost carries the same Message-ID, and mail systems and people can tell the
// copies apart from new messages.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	netmail "net/mail"
	"net/textproto"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/atlas-practice/atlas/internal/config"
)

// Message is one email. From, Text or HTML, and at least one recipient in To
// or CC are what a message needs; the rest is optional.
type Message struct {
	From        string   // "" = the configured SMTP_FROM
	To          []string // addresses as people write them: "Ada <ada@example.com>" or "ada@example.com"
	CC          []string
	ReplyTo     string
	Subject     string
	Text        string // the plain-text body
	HTML        string // the HTML body; with Text, the two are alternatives of one message
	Attachments []Attachment
	// MessageID is the Message-ID header, with or without its angle
	// brackets: "<invoice-42.T123@atlas>". "" lets Send make up a random
	// one, which no retry can match.
	MessageID string
	// Headers are extra header fields, such as X-Atlas-Invoice. Fields the
	// other members set (From, To, Subject, Message-ID, the MIME ones) are
	// refused here so a header cannot contradict them.
	Headers map[string]string
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string // the file name the recipient sees: "INV-2024-042.pdf"
	ContentType string // "" = guessed from the name's extension
	Data        []byte
}

// ErrNotConfigured is returned by NewSender when no SMTP host is set: the
// deployment has email turned off.
var ErrNotConfigured = errors.New("mail: no SMTP host configured (SMTP_HOST is empty)")

// Error is why Send did not send a message.
type Error struct {
	// Permanent is true when sending the same message again cannot
	// succeed: the server refused it with a 5xx reply, or the message itself
	// is unsendable (a malformed address, no recipient).
	Permanent bool
	// Code is the SMTP reply code of the server's refusal (550, 451, …), or
	// 0 when the server gave none (it was unreachable, the message was
	// invalid, ctx ended).
	Code int
	// Reason is the server's reply when it refused, code first ("550
	// 5.1.1 <ada@example.com>: Recipient address rejected"; several
	// refused recipients are joined by "; "), or what is wrong with an
	// unsendable message; "" otherwise.
	Reason string
	// Server is host:port of the SMTP server tried; "" for an unsendable
	// message, which never got that far.
	Server string
	Err    error
}

func (e *Error) Error() string {
	switch {
	case e.Server == "":
		return "mail: cannot send this message: " + e.Reason
	case e.Code != 0:
		return fmt.Sprintf("mail: %s refused the message: %s", e.Server, e.Reason)
	default:
		return fmt.Sprintf("mail: sending through %s: %v", e.Server, e.Err)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that sending the same message again
// cannot succeed. It is false for nil and for every error that a later try
// might get past: a 4xx reply, a refused or timed-out connection, a server
// that went away, a cancelled context.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// Reason returns why the server refused a message, in its own words ("550
// 5.1.1 <ada@example.com>: Recipient address rejected"), or what made the
// message unsendable: the text to show a person. A 4xx refusal has its
// words too; a failure in which the server said nothing (it was down, ctx
// ended) has "".
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// opTimeout bounds each step of an SMTP conversation (connect, a command, the
// whole message body) when the caller's context has no sooner deadline: it
// is what stops a server that accepts a connection and then says nothing.
// It is long because writing a message with large attachments is one step.
const opTimeout = 60 * time.Second

// Sender sends messages through one SMTP server. It is safe for concurrent
// use: each Send has its own connection.
type Sender struct {
	cfg  config.SMTP
	addr string
	tls  *tls.Config
}

// NewSender checks cfg and returns a Sender for it, or ErrNotConfigured
// when cfg.Host is empty. It does not connect: a server that is down now
// may be up by the first send.
func NewSender(cfg config.SMTP) (*Sender, error) {
	if cfg.Host == "" {
		return nil, ErrNotConfigured
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d is not a port number", cfg.Port)
	}
	switch cfg.TLS {
	case "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("mail: SMTP TLS mode %q: expected starttls, tls or none", cfg.TLS)
	}
	if _, err := netmail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: SMTP sender address %q: %v", cfg.From, err)
	}
	return &Sender{
		cfg:  cfg,
		addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		tls:  &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12},
	}, nil
}

// Send delivers m to the SMTP server, returning once the server has taken
// responsibility for it (its reply to the end of the message). A failure is
// an *Error. ctx bounds the whole conversation: when it ends, the
// connection is closed under the conversation and Send returns an error
// that wraps ctx.Err().
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return &Error{Permanent: true, Reason: err.Error(), Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &Error{Server: s.addr, Err: err}
	}

	// go-mail honours ctx only while dialling; after that it relies on
	// per-step deadlines. Keeping hold of the connection lets a cancelled
	// ctx close it mid-conversation.
	conn := &connCloser{}
	stop := context.AfterFunc(ctx, conn.close)
	defer stop()

	client, err := gomail.NewClient(s.cfg.Host, s.options(conn)...)
	if err != nil {
		return &Error{Server: s.addr, Err: err}
	}
	smtpClient, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.fail(ctx, err)
	}
	err = client.SendWithSMTPClient(smtpClient, msg)
	// Once the server has accepted the message, a failure afterwards (the
	// RSET or QUIT that follows, a cancelled ctx) must not be reported: the
	// caller would send it again and the client would get it twice.
	closeErr := client.CloseWithSMTPClient(smtpClient)
	if msg.IsDelivered() {
		return nil
	}
	if err == nil {
		err = closeErr
	}
	if err == nil {
		err = errors.New("the server did not confirm the message")
	}
	return s.fail(ctx, err)
}

func (s *Sender) options(conn *connCloser) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(opTimeout),
		gomail.WithTLSConfig(s.tls),
		gomail.WithDialContextFunc(conn.dialer(s.cfg.TLS == "tls", s.tls)),
	}
	switch s.cfg.TLS {
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		// WithSSL here only tells go-mail not to try STARTTLS on a
		// connection the dialer has already encrypted.
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password.Reveal()))
		if s.cfg.TLS == "tls" {
			// go-mail cannot see that a connection from our dialer is
			// encrypted, and would otherwise refuse PLAIN and LOGIN on it;
			// "-NOENC" lifts that check, which the dialer has made already.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			// Over STARTTLS this picks the strongest mechanism offered; over a
			// plain connection it never sends the password in clear text.
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	return opts
}

// fail turns what go-mail returned into an *Error.
func (s *Sender) fail(ctx context.Context, err error) *Error {
	e := &Error{Server: s.addr, Err: err}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The failure is most likely our own closing of the connection; say
		// so, and keep what go-mail saw for the message.
		e.Err = fmt.Errorf("%w (%v)", ctxErr, err)
		return e
	}
	var sendErr *gomail.SendError
	var reply *textproto.Error
	switch {
	case errors.As(err, &sendErr):
		// SendError.IsTemp is false for failures that never reached the
		// server too, so only the reply code can tell a refusal.
		e.Code = sendErr.ErrorCode()
		if e.Code != 0 {
			e.Reason = sendErrorReplies(sendErr)
		}
	case errors.As(err, &reply):
		// Refusals before a message is under way (the greeting, EHLO, AUTH)
		// come back as the bare reply.
		e.Code = reply.Code
		e.Reason = fmt.Sprintf("%03d %s", reply.Code, reply.Msg)
	}
	e.Reason = strings.Join(strings.Fields(e.Reason), " ")
	e.Permanent = e.Code >= 500 && e.Code <= 599
	return e
}

// sendErrorReplies returns the server replies a SendError holds, joined by
// "; ". go-mail keeps them unexported and shows them only in Error(), as
// "<step>: <reply>[, <reply>…][, affected recipient(s): …][, affected
// message ID: …]", each reply a textproto.Error, which prints its text
// quoted; this takes them from there.
func sendErrorReplies(e *gomail.SendError) string {
	s := e.Error()
	var replies []string
	for {
		loc := quotedReply.FindStringIndex(s)
		if loc == nil {
			break
		}
		quoted, err := strconv.QuotedPrefix(s[loc[1]-1:])
		if err != nil {
			s = s[loc[1]:]
			continue
		}
		text, _ := strconv.Unquote(quoted)
		replies = append(replies, s[loc[0]:loc[0]+3]+" "+text)
		s = s[loc[1]-1+len(quoted):]
	}
	if len(replies) > 0 {
		return strings.Join(replies, "; ")
	}
	// Replies printed unquoted: everything between the step and the tail.
	s = strings.TrimPrefix(e.Error(), e.Reason.String()+":")
	for _, tail := range []string{", affected recipient(s): ", ", affected message ID: "} {
		if i := strings.Index(s, tail); i >= 0 {
			s = s[:i]
		}
	}
	return strings.TrimSpace(s)
}

// quotedReply finds the start of a refusal as textproto.Error prints it:
// 550 "5.1.1 No such user".
var quotedReply = regexp.MustCompile(`\b[45]\d\d "`)

// build turns m into a go-mail message, or says why it cannot be sent.
func (s *Sender) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := m.From
	if from == "" {
		from = s.cfg.From
	}
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("sender %q: %v", from, err)
	}
	if len(m.To) == 0 && len(m.CC) == 0 {
		return nil, errors.New("no recipient")
	}
	if len(m.To) > 0 {
		if err := msg.To(m.To...); err != nil {
			return nil, fmt.Errorf("recipient: %v", err)
		}
	}
	if len(m.CC) > 0 {
		if err := msg.Cc(m.CC...); err != nil {
			return nil, fmt.Errorf("cc: %v", err)
		}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to %q: %v", m.ReplyTo, err)
		}
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		id, err := messageID(m.MessageID)
		if err != nil {
			return nil, err
		}
		msg.SetMessageIDWithValue(id)
	}
	msg.SetDate()
	for name, value := range m.Headers {
		if err := checkHeader(name, value); err != nil {
			return nil, err
		}
		msg.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(name)), value)
	}

	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.Text != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		return nil, errors.New("no body: set Text, HTML or both")
	}
	for _, a := range m.Attachments {
		if a.Name == "" || strings.ContainsAny(a.Name, "/\\\r\n") {
			return nil, fmt.Errorf("attachment name %q: expected a plain file name", a.Name)
		}
		ct := a.ContentType
		if ct == "" {
			ct = mime.TypeByExtension(filepath.Ext(a.Name))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(ct)))
	}
	return msg, nil
}

// messageID checks a caller's Message-ID and returns it without brackets.
func messageID(raw string) (string, error) {
	id := strings.TrimSuffix(strings.TrimPrefix(raw, "<"), ">")
	left, right, ok := strings.Cut(id, "@")
	valid := ok && left != "" && right != "" && !strings.Contains(right, "@")
	for _, r := range id {
		// Printable ASCII without the characters that end or split the
		// field, so the header goes out exactly as given.
		if r <= ' ' || r > '~' || r == '<' || r == '>' || r == '"' || r == '\\' {
			valid = false
		}
	}
	if !valid {
		return "", fmt.Errorf("message id %q: expected <left@right> in printable ASCII, such as <invoice-42.T123@atlas>", raw)
	}
	return id, nil
}

// ownHeaders are set from Message's members or by go-mail, and may not be
// given again in Headers.
var ownHeaders = map[string]bool{
	"From": true, "Sender": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true,
	"Subject": true, "Message-Id": true, "Date": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true, "Content-Disposition": true,
}

func checkHeader(name, value string) error {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r > '~' || r == ':' }) {
		return fmt.Errorf("header name %q: expected letters, digits and dashes", name)
	}
	if ownHeaders[textproto.CanonicalMIMEHeaderKey(name)] {
		return fmt.Errorf("header %s: set it through the Message field of that name", name)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("header %s: the value has a line break", name)
	}
	return nil
}

// connCloser holds the one connection of a Send so that the end of its
// context can close it.
type connCloser struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// dialer connects over TCP, adding TLS for implicit-TLS servers: go-mail
// does that itself only with its own dialer.
func (c *connCloser) dialer(implicitTLS bool, cfg *tls.Config) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if implicitTLS {
			tc := tls.Client(conn, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				_ = conn.Close()
				return nil, err
			}
			conn = tc
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			// ctx ended while dialling, after the dial had succeeded.
			_ = conn.Close()
			return nil, net.ErrClosed
		}
		c.conn = conn
		return conn, nil
	}
}

func (c *connCloser) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		_ = c.conn.Close()
	}
}
