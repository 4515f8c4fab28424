package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// StaffLinkLife is how long a download link shown in Slack works: long
// enough to click, short enough that a link pasted elsewhere soon dies.
const StaffLinkLife = 15 * time.Minute

// DownloadURL is a short-lived signed link to a document for the practice's
// own people, shown in Slack (`/docs`, the task window): baseURL (the
// portal's, PORTAL_URL) + "/portal/files/" + a token naming the document
// and its expiry, signed with the portal's secret. It needs no session:
// Slack has already checked who asked.
func (s Signer) DownloadURL(baseURL string, documentID int64, now time.Time) string {
	buf := make([]byte, 16, 48)
	binary.BigEndian.PutUint64(buf[:8], uint64(documentID))
	binary.BigEndian.PutUint64(buf[8:], uint64(now.Add(StaffLinkLife).Unix()))
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("staff-download\x00"))
	m.Write(buf)
	return baseURL + "/portal/files/" + base64.RawURLEncoding.EncodeToString(m.Sum(buf))
}

// DownloadDocument reads a DownloadURL's token: the document it names,
// if the signature holds and it has not expired.
func (s Signer) DownloadDocument(token string, now time.Time) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 48 || len(s.Secret) == 0 {
		return 0, ErrBadLink
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("staff-download\x00"))
	m.Write(raw[:16])
	if !hmac.Equal(m.Sum(nil), raw[16:]) || now.Unix() >= int64(binary.BigEndian.Uint64(raw[8:16])) {
		return 0, ErrBadLink
	}
	return int64(binary.BigEndian.Uint64(raw[:8])), nil
}
