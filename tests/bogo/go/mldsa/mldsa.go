// Package mldsa is a thin adapter over the standard library's crypto/mldsa with the
// API of filippo.io/mldsa that BoringSSL's test runner uses: parameter sets are
// compared by pointer, keys are this package's own types.
package mldsa

import (
	"crypto"
	std "crypto/mldsa"
	"io"
)

// Parameters is one ML-DSA parameter set; there is one value per set, so sets
// compare by pointer.
type Parameters struct{ std std.Parameters }

var (
	p44 = &Parameters{std.MLDSA44()}
	p65 = &Parameters{std.MLDSA65()}
	p87 = &Parameters{std.MLDSA87()}
)

func MLDSA44() *Parameters { return p44 }
func MLDSA65() *Parameters { return p65 }
func MLDSA87() *Parameters { return p87 }

func fromStd(p std.Parameters) *Parameters {
	for _, q := range []*Parameters{p44, p65, p87} {
		if q.std == p {
			return q
		}
	}
	return nil
}

// Options are signing and verification options (a context string).
type Options struct{ Context string }

func (o *Options) HashFunc() crypto.Hash { return 0 }

func (o *Options) toStd() *std.Options {
	if o == nil {
		return &std.Options{}
	}
	return &std.Options{Context: o.Context}
}

type PrivateKey struct{ k *std.PrivateKey }

type PublicKey struct{ k *std.PublicKey }

func GenerateKey(p *Parameters) (*PrivateKey, error) {
	k, err := std.GenerateKey(p.std)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{k}, nil
}

func NewPrivateKey(p *Parameters, seed []byte) (*PrivateKey, error) {
	k, err := std.NewPrivateKey(p.std, seed)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{k}, nil
}

func NewPublicKey(p *Parameters, encoding []byte) (*PublicKey, error) {
	k, err := std.NewPublicKey(p.std, encoding)
	if err != nil {
		return nil, err
	}
	return &PublicKey{k}, nil
}

func (sk *PrivateKey) PublicKey() *PublicKey        { return &PublicKey{sk.k.PublicKey()} }
func (sk *PrivateKey) Public() crypto.PublicKey     { return sk.PublicKey() }
func (sk *PrivateKey) Bytes() []byte                { return sk.k.Bytes() }
func (sk *PrivateKey) Parameters() *Parameters      { return sk.PublicKey().Parameters() }
func (sk *PrivateKey) Equal(x crypto.PrivateKey) bool {
	o, ok := x.(*PrivateKey)
	return ok && sk.k.Equal(o.k)
}

func (sk *PrivateKey) Sign(r io.Reader, message []byte, opts crypto.SignerOpts) ([]byte, error) {
	o, _ := opts.(*Options)
	return sk.k.Sign(r, message, o.toStd())
}

func (pk *PublicKey) Bytes() []byte           { return pk.k.Bytes() }
func (pk *PublicKey) Parameters() *Parameters { return fromStd(pk.k.Parameters()) }
func (pk *PublicKey) Equal(x crypto.PublicKey) bool {
	o, ok := x.(*PublicKey)
	return ok && pk.k.Equal(o.k)
}

func Verify(pk *PublicKey, message, signature []byte, opts *Options) error {
	return std.Verify(pk.k, message, signature, opts.toStd())
}
