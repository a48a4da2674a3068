package sim

import "time"

// DefaultInvitationWindow is how long an invitee has to register before
// their details are deleted.
const DefaultInvitationWindow = 30 * 24 * time.Hour

// Limits on an invitation window chosen per invitation.
const (
	MinInvitationWindow = time.Second
	MaxInvitationWindow = 365 * 24 * time.Hour
)

// InvitationKind says who started an invitation.
type InvitationKind string

// Invitation kinds: an operator invited the person, or the person asked to
// register themselves (the link verifies their email address).
const (
	InvitationByOperator InvitationKind = "operator"
	InvitationSelf       InvitationKind = "self"
)

// CheckInvitationWindow returns an EINVALID *Error when d is outside
// [MinInvitationWindow, MaxInvitationWindow].
func CheckInvitationWindow(d time.Duration) error {
	if d < MinInvitationWindow || d > MaxInvitationWindow {
		return FieldError("window_seconds", "the invitation window must be between %d and %d seconds",
			int(MinInvitationWindow.Seconds()), int(MaxInvitationWindow.Seconds()))
	}
	return nil
}

// ConsentPurposeSharing is consent to share a candidate's profile with the
// organisations they choose.
const ConsentPurposeSharing = "share_with_organisations"
