set -e
# EC P-256 / P-384: SEC1 (traditional) and PKCS#8, plus SubjectPublicKeyInfo.
openssl ecparam -name prime256v1 -genkey -noout -outform DER -out ecdsa-p256.sec1.der
openssl pkcs8 -topk8 -nocrypt -inform DER -in ecdsa-p256.sec1.der -outform DER -out ecdsa-p256.pkcs8.der
openssl pkey -inform DER -in ecdsa-p256.pkcs8.der -pubout -outform DER -out ecdsa-p256.spki.der
openssl ecparam -name secp384r1 -genkey -noout -outform DER -out ecdsa-p384.sec1.der
openssl pkcs8 -topk8 -nocrypt -inform DER -in ecdsa-p384.sec1.der -outform DER -out ecdsa-p384.pkcs8.der
openssl pkey -inform DER -in ecdsa-p384.pkcs8.der -pubout -outform DER -out ecdsa-p384.spki.der
# Ed25519: PKCS#8 (v1, as OpenSSL writes it).
openssl genpkey -algorithm ED25519 -outform DER -out ed25519.pkcs8.der
openssl pkey -inform DER -in ed25519.pkcs8.der -pubout -outform DER -out ed25519.spki.der
# RSA 2048 / 4096: PKCS#8 and PKCS#1, plus SubjectPublicKeyInfo.
for bits in 2048 4096; do
  # (genpkey -outform DER writes RSA keys in the traditional PKCS#1 form.)
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -outform DER -out rsa-$bits.pkcs1.der
  openssl pkcs8 -topk8 -nocrypt -inform DER -in rsa-$bits.pkcs1.der -outform DER -out rsa-$bits.pkcs8.der
  openssl pkey -inform DER -in rsa-$bits.pkcs8.der -pubout -outform DER -out rsa-$bits.spki.der
done
# RSA 1024: must be refused.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -outform DER -out rsa-1024.pkcs1.der
openssl pkcs8 -topk8 -nocrypt -inform DER -in rsa-1024.pkcs1.der -outform DER -out rsa-1024.pkcs8.der
# Cross-implementation signatures made by OpenSSL over message.txt.
printf 'handclasp cross-implementation signature test message\n' > message.txt
openssl dgst -sha256 -sign ecdsa-p256.pkcs8.der -keyform DER -out message.ecdsa-p256-sha256.sig message.txt
openssl dgst -sha384 -sign ecdsa-p384.pkcs8.der -keyform DER -out message.ecdsa-p384-sha384.sig message.txt
openssl pkeyutl -sign -rawin -inkey ed25519.pkcs8.der -keyform DER -in message.txt -out message.ed25519.sig
openssl dgst -sha256 -sign rsa-2048.pkcs8.der -keyform DER -out message.rsa-2048-pkcs1-sha256.sig message.txt
openssl dgst -sha256 -sign rsa-2048.pkcs8.der -keyform DER -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:sha256 -out message.rsa-2048-pss-sha256.sig message.txt
# EC P-521: a curve the provider does not sign with (must be refused, in both forms).
openssl ecparam -name secp521r1 -genkey -noout -outform DER -out ecdsa-p521.sec1.der
openssl pkcs8 -topk8 -nocrypt -inform DER -in ecdsa-p521.sec1.der -outform DER -out ecdsa-p521.pkcs8.der
