package inbox

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/atlas-practice/atlas/internal/portal"
)

// Parsed is one email as the inbox reads it.
type Parsed struct {
	MessageID   string // the Message-ID header, without its angle brackets; "" without one
	From        string // the From header's address, lower-cased; the envelope sender without one
	FromName    string
	Subject     string
	Snippet     string // the start of the first plain-text body
	Attachments []Attachment
}

// Attachment is one attached file.
type Attachment struct {
	Name string // cleaned as the portal cleans names
	Data []byte
	// Inline marks a part shown in the body with a Content-ID (a
	// signature's logo) rather than attached.
	Inline bool
}

// errTooManyAttachments is a message with more files than the cap.
var errTooManyAttachments = errors.New("inbox: too many attachments")

const (
	snippetChars = 300
	maxDepth     = 8 // nested multiparts read; deeper ones are ignored
)

var words = &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "us-ascii", "iso-8859-1", "latin1", "windows-1252":
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		runes := make([]rune, len(b))
		for i, c := range b {
			runes[i] = rune(c)
		}
		return strings.NewReader(string(runes)), nil
	}
	return nil, fmt.Errorf("charset %s", charset)
}}

// decodeHeader decodes RFC 2047 encoded words, keeping the raw text when
// they cannot be decoded.
func decodeHeader(s string) string {
	if d, err := words.DecodeHeader(s); err == nil {
		s = d
	}
	return strings.TrimSpace(strings.ToValidUTF8(s, ""))
}

// Parse reads a raw message. envelopeFrom is the SMTP sender, used when
// the message has no readable From. More than maxAttachments files is
// errTooManyAttachments.
func Parse(raw []byte, envelopeFrom string, maxAttachments int) (Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Parsed{}, fmt.Errorf("inbox: read the message: %w", err)
	}
	p := Parsed{Subject: decodeHeader(msg.Header.Get("Subject"))}
	p.MessageID = strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")
	if len(p.MessageID) > 500 {
		p.MessageID = p.MessageID[:500]
	}
	if from, err := (&mail.AddressParser{WordDecoder: words}).Parse(msg.Header.Get("From")); err == nil {
		p.From, p.FromName = strings.ToLower(from.Address), strings.TrimSpace(from.Name)
	} else {
		p.From = strings.ToLower(strings.Trim(envelopeFrom, "<> "))
	}
	err = p.walk(msg.Header, msg.Body, 0, maxAttachments)
	return p, err
}

// header is a message's or a part's header, as walk reads it.
type header interface{ Get(string) string }

// walk reads one MIME entity: a multipart's parts in turn, a file, or a
// body text.
func (p *Parsed) walk(h header, body io.Reader, depth, maxAttachments int) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mediaType, params = "application/octet-stream", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxDepth || params["boundary"] == "" {
			return nil
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: the transfer encoding is decoded here, the same
			// way for every part.
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("inbox: read a part: %w", err)
			}
			if err := p.walk(part.Header, part, depth+1, maxAttachments); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(decoded(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return fmt.Errorf("inbox: decode a part: %w", err)
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if name == "" && disposition != "attachment" {
		if p.Snippet == "" && mediaType == "text/plain" {
			p.Snippet = snippet(data)
		}
		return nil
	}
	if len(data) == 0 {
		return nil
	}
	if len(p.Attachments) == maxAttachments {
		return errTooManyAttachments
	}
	p.Attachments = append(p.Attachments, Attachment{
		Name:   portal.CleanName(decodeHeader(name)),
		Data:   data,
		Inline: disposition != "attachment" && h.Get("Content-Id") != "",
	})
	return nil
}

// decoded undoes a part's transfer encoding.
func decoded(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &spaceless{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// spaceless drops the spaces and tabs some mailers leave in base64 (the
// decoder itself skips line breaks).
type spaceless struct{ r io.Reader }

func (s *spaceless) Read(b []byte) (int, error) {
	for {
		n, err := s.r.Read(b)
		j := 0
		for _, c := range b[:n] {
			if c != ' ' && c != '\t' {
				b[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// snippet is the first few hundred characters of a body, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
	if utf8.RuneCountInString(s) > snippetChars {
		r := []rune(s)
		s = string(r[:snippetChars]) + "…"
	}
	return s
}
