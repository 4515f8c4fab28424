package portal

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanName is the name a file is kept under: its base name alone (no
// folder, whichever separator the sender's system uses), without control
// or invisible format characters, trimmed of spaces and dots at its ends,
// at most 255 bytes (cut on a character boundary, the extension kept).
// A name with nothing left is "file".
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return "file"
	}
	if len(name) > 255 {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:len(name)-len(ext)]
		for len(stem)+len(ext) > 255 {
			_, size := utf8.DecodeLastRuneInString(stem)
			stem = stem[:len(stem)-size]
		}
		name = stem + ext
	}
	return name
}

// kind is one kind of file the portal takes.
type kind struct {
	name        string   // for people: "PDF"
	exts        []string // lower case, with the dot
	contentType string   // stored and served
	sniff       func(head []byte, detected string) bool
}

func detectedIs(types ...string) func([]byte, string) bool {
	return func(_ []byte, detected string) bool {
		for _, t := range types {
			if detected == t || strings.HasPrefix(detected, t+";") {
				return true
			}
		}
		return false
	}
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// isHEIC reads an ISO media file's brand: "ftypheic" and its kin at byte 4.
func isHEIC(head []byte, _ string) bool {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return false
	}
	switch string(head[8:12]) {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
		return true
	}
	return false
}

// isText is text that sniffs as text and has no NUL bytes: CSV, a bank's
// OFX (SGML or XML) or QIF export.
func isText(head []byte, detected string) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	return detectedIs("text/plain", "text/xml", "text/csv")(head, detected)
}

// kinds are the files the portal takes: documents, photos of them,
// spreadsheets and bank exports. A file must both sniff as its kind and
// carry one of its extensions.
var kinds = []kind{
	{"PDF", []string{".pdf"}, "application/pdf", detectedIs("application/pdf")},
	{"PNG", []string{".png"}, "image/png", detectedIs("image/png")},
	{"JPEG", []string{".jpg", ".jpeg"}, "image/jpeg", detectedIs("image/jpeg")},
	{"GIF", []string{".gif"}, "image/gif", detectedIs("image/gif")},
	{"WEBP", []string{".webp"}, "image/webp", detectedIs("image/webp")},
	{"HEIC", []string{".heic", ".heif"}, "image/heic", isHEIC},
	{"Excel (XLSX)", []string{".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", detectedIs("application/zip")},
	{"Excel (XLS)", []string{".xls"}, "application/vnd.ms-excel", func(h []byte, _ string) bool { return bytes.HasPrefix(h, oleMagic) }},
	{"OpenDocument (ODS)", []string{".ods"}, "application/vnd.oasis.opendocument.spreadsheet", detectedIs("application/zip")},
	{"CSV", []string{".csv"}, "text/csv; charset=utf-8", isText},
	{"text", []string{".txt"}, "text/plain; charset=utf-8", isText},
	{"OFX", []string{".ofx", ".qfx"}, "application/x-ofx", isText},
	{"QIF", []string{".qif"}, "application/qif", isText},
}

// AllowedKinds names the kinds of file the portal takes, for people.
func AllowedKinds() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// acceptAttr is the file input's accept attribute: every extension taken.
func acceptAttr() string {
	var exts []string
	for _, k := range kinds {
		exts = append(exts, k.exts...)
	}
	return strings.Join(exts, ",")
}

// sniffType is the content type a file is stored with, from its first
// bytes and its (cleaned) name; ok is false for a file the portal does
// not take, whatever it claims to be.
func sniffType(name string, head []byte) (contentType string, ok bool) {
	if len(head) > 512 {
		head = head[:512]
	}
	ext := strings.ToLower(path.Ext(name))
	detected := http.DetectContentType(head)
	for _, k := range kinds {
		for _, e := range k.exts {
			if e == ext && k.sniff(head, detected) {
				return k.contentType, true
			}
		}
	}
	return "", false
}
