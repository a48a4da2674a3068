package sim

import (
	"crypto/rand"
	"regexp"
)

// Erasure: the candidate's right to be forgotten, by the Erasure workflow.

// WorkflowErasure erases one candidate.
const WorkflowErasure = "Erasure"

// ErasureRequester is who asked for an erasure.
type ErasureRequester string

// Erasure requesters.
const (
	ErasureByCandidate ErasureRequester = "candidate"
	ErasureByOperator  ErasureRequester = "operator" // on the candidate's behalf
)

// ErasureArgs starts an Erasure workflow: the candidate, and who asked.
type ErasureArgs struct {
	CandidateID string
	RequestedBy ErasureRequester
}

// ErasureWorkflowID is the workflow ID that erases one candidate: asking
// twice starts one erasure.
func ErasureWorkflowID(candidateID string) string { return "erasure/" + candidateID }

// StartErasure is the intent to erase the candidate candidateID.
func StartErasure(candidateID string, by ErasureRequester) Intent {
	return Intent{WorkflowID: ErasureWorkflowID(candidateID), Workflow: WorkflowErasure, Args: ErasureArgs{CandidateID: candidateID, RequestedBy: by}}
}

var receiptRe = regexp.MustCompile(`^ER-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`)

// receiptAlphabet leaves out letters that read like digits.
const receiptAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewReceipt makes an erasure's receipt number: twelve random characters
// (60 bits), which name nobody and link to nothing.
func NewReceipt() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	out := []byte("ER-")
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, receiptAlphabet[int(c)%len(receiptAlphabet)])
	}
	return string(out)
}

// ValidReceipt reports whether s is shaped like a receipt number.
func ValidReceipt(s string) bool { return receiptRe.MatchString(s) }
