package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/portal"
)

// Limits of one email.
const (
	MaxMessageBytes = 25 << 20 // the whole message, as sent (attachments in base64)
	MaxAttachments  = 20
	maxRecipients   = 20
)

// Deps are what the inbox's SMTP server needs.
type Deps struct {
	DB    db.DB        // a pool: each message is kept in a transaction of its own
	Blobs portal.Blobs // nil: PGBlobs, in DB
	Clock atlas.Clock  // nil: the system clock
	Log   *slog.Logger // nil: slog.Default()
	// Domains are the domains whose mail the inbox takes (INBOX_DOMAINS);
	// mail for any other is refused.
	Domains []string
	// Hostname greets senders; "": the first domain.
	Hostname string
	// MaxMessageBytes and MaxAttachments cap one email; 0: the constants.
	MaxMessageBytes int64
	MaxAttachments  int
}

// Server is the inbox's SMTP server: it takes mail for the practices'
// inbox addresses in Deps.Domains, and keeps each message (Deliver).
type Server struct {
	deps    Deps
	domains map[string]bool
	smtp    *smtp.Server
}

// New builds the server from d.
func New(d Deps) *Server {
	if d.Blobs == nil {
		d.Blobs = portal.PGBlobs{}
	}
	if d.Clock == nil {
		d.Clock = atlas.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.MaxMessageBytes <= 0 {
		d.MaxMessageBytes = MaxMessageBytes
	}
	if d.MaxAttachments <= 0 {
		d.MaxAttachments = MaxAttachments
	}
	s := &Server{deps: d, domains: map[string]bool{}}
	for _, dom := range d.Domains {
		if dom = strings.ToLower(strings.TrimSpace(dom)); dom != "" {
			s.domains[dom] = true
			if d.Hostname == "" {
				d.Hostname = dom
			}
		}
	}
	s.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.smtp.Domain = d.Hostname
	s.smtp.MaxMessageBytes = d.MaxMessageBytes
	s.smtp.MaxRecipients = maxRecipients
	s.smtp.ReadTimeout = 5 * time.Minute
	s.smtp.WriteTimeout = time.Minute
	s.smtp.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// Listen opens the server's TCP address ("127.0.0.1:0" picks a free
// port); Serve then serves on it.
func (s *Server) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("inbox: listen on %s: %w", addr, err)
	}
	return l, nil
}

// Serve takes mail on l until ctx ends, then stops taking more, waits for
// the messages being kept and returns nil.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- s.smtp.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("inbox: %w", err)
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = s.smtp.Shutdown(shut)
		if err := <-served; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("inbox: %w", err)
		}
		return nil
	}
}

// session is one SMTP conversation: each message's sender, its
// recipients' practice and the first plus tag.
type session struct {
	s        *Server
	from     string
	practice atlas.PracticeID
	tag      string
}

func (ss *session) Reset()        { ss.from, ss.practice, ss.tag = "", "", "" }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.Reset()
	ss.from = from
	return nil
}

var (
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	errOnePerMsg = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3},
		Message: "One practice's inbox per message: send to the others separately"}
	errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Cannot take mail just now: try again later"}
)

// Rcpt takes an address of a configured domain whose local part is a
// practice's inbox (and refuses any other with 550 5.1.1).
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	a, ok := ParseAddress(to)
	if !ok || !ss.s.domains[a.Domain] {
		return errNoMailbox
	}
	pid, err := PracticeOf(context.Background(), ss.s.deps.DB, a.Local)
	if errors.Is(err, ErrNoInbox) {
		return errNoMailbox
	}
	if err != nil {
		ss.s.deps.Log.Error("inbox: find a recipient's practice", "err", err)
		return errTryLater
	}
	if ss.practice != "" && ss.practice != pid {
		return errOnePerMsg
	}
	ss.practice = pid
	if ss.tag == "" {
		ss.tag = a.Tag
	}
	return nil
}

// Data reads the message (the server refuses one over the size cap with
// 552 5.3.4), refuses one with too many attachments or that cannot be
// read, and keeps it.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		return err
	}
	if ss.practice == "" {
		return &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipients"}
	}
	p, err := Parse(raw, ss.from, ss.s.deps.MaxAttachments)
	if errors.Is(err, errTooManyAttachments) {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("Too many attachments: at most %d in one email. Nothing was kept: send them in several emails", ss.s.deps.MaxAttachments)}
	}
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "The message could not be read"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := Deliver(ctx, ss.s.deps.DB, ss.s.deps.Blobs, ss.practice, ss.tag, p, ss.s.deps.Clock.Now())
	if err != nil {
		ss.s.deps.Log.Error("inbox: keep a message", "practice", ss.practice, "err", err)
		return errTryLater
	}
	ss.s.deps.Log.Info("inbox: message kept", "practice", ss.practice, "message", d.ID, "client", d.EntityID, "by", d.By,
		"documents", len(d.Documents), "ticked", len(d.Ticked), "skipped", len(d.Skipped), "duplicate", d.Duplicate)
	return nil
}
