#!/usr/bin/env bash
# Makes the photo fixtures in tests/fixtures/photos/ (committed; rerun to remake them):
#   bash scripts/make-photo-fixtures.sh
# Needs ImageMagick, exiftool, heif-enc and an sRGB ICC profile (scripts/setup.sh installs
# imagemagick libimage-exiftool-perl libheif-examples icc-profiles-free).
#
#   quadrants.jpg   64×48 JPEG: red|green over blue|yellow as stored; EXIF with GPS,
#                   Orientation 6 (shown turned a quarter clockwise), make and model; XMP
#                   with a location; IPTC caption; a comment; the sRGB ICC profile
#   exif.tiff       its EXIF block alone (a TIFF structure), xmp.xml its XMP packet,
#                   srgb.icc the profile: the tests put them on a 4032×3024 photo they encode
#   quadrants.png   the same picture as PNG: eXIf (GPS, Orientation 6), tEXt, iTXt, zTXt,
#                   tIME, and the colour chunks iCCP, gAMA, cHRM
#   quadrants.heic  HEIC made from quadrants.jpg by heif-enc (EXIF with GPS carried over)
#   truncated.jpg   quadrants.jpg cut inside its image data
#   bad-length.jpg  a segment whose length runs past the end of the file
#   truncated.png   quadrants.png cut inside its IDAT
#   bad-chunk.png   a chunk whose length runs past the end of the file
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../tests/fixtures/photos"
ICC=/usr/share/color/icc/sRGB.icc
[ -f "$ICC" ] || { echo "no $ICC: apt-get install icc-profiles-free" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Deterministic output: no dates from the clock in what ImageMagick writes.
export SOURCE_DATE_EPOCH=1700000000

convert -size 32x24 xc:'#ff0000' xc:'#00ff00' +append \
  \( -size 32x24 xc:'#0000ff' xc:'#ffff00' +append \) -append "$tmp/quadrants.ppm"

tags=(
  -overwrite_original -q
  -GPSLatitude=40.6892 -GPSLatitudeRef=N -GPSLongitude=74.0445 -GPSLongitudeRef=W
  -Orientation#=6 -Make=FixturePhone -Model='Fixture 1' -DateTimeOriginal='2024:05:01 09:30:00'
)

convert "$tmp/quadrants.ppm" -strip -quality 92 -profile "$ICC" quadrants.jpg
exiftool "${tags[@]}" -XMP-exif:GPSLatitude=40.6892 -XMP-exif:GPSLongitude=-74.0445 \
  -XMP-dc:Description='photo of a left forearm' -IPTC:Caption-Abstract='left forearm' \
  -Comment='taken at home' quadrants.jpg
exiftool -b -EXIF quadrants.jpg >exif.tiff.tmp
# exiftool's -EXIF block starts with "Exif\0\0" when read from a JPEG: keep the TIFF part.
if head -c 4 exif.tiff.tmp | grep -q Exif; then tail -c +7 exif.tiff.tmp >exif.tiff; else mv exif.tiff.tmp exif.tiff; fi
rm -f exif.tiff.tmp
exiftool -b -XMP quadrants.jpg >xmp.xml
cp "$ICC" srgb.icc

convert "$tmp/quadrants.ppm" -strip -profile "$ICC" quadrants.png
exiftool "${tags[@]}" -PNG:Title='left forearm' -XMP-dc:Description='photo of a left forearm' \
  -PNG:ModifyDate='2024:05:01 09:30:00' -PNG:Gamma=2.2 quadrants.png
# -z: compressed text (zTXt).
exiftool -overwrite_original -q -z \
  -PNG:Comment="$(printf 'taken at home, %.0s' {1..20})" quadrants.png
# Last: exiftool drops iCCP when it writes gAMA.
exiftool -overwrite_original -q "-ICC_Profile<=$ICC" quadrants.png

heif-enc --quality 60 -o quadrants.heic quadrants.jpg >/dev/null

size=$(stat -c %s quadrants.jpg)
head -c $((size - 40)) quadrants.jpg >truncated.jpg
# SOI, then an APP0 claiming 0xFFF0 bytes in a file of a few hundred.
{ printf '\xff\xd8\xff\xe0\xff\xf0JFIF\0'; head -c 300 /dev/zero; } >bad-length.jpg
size=$(stat -c %s quadrants.png)
head -c $((size - 30)) quadrants.png >truncated.png
# The signature, IHDR, then an IDAT claiming 1 GiB.
{ head -c 33 quadrants.png; printf '\x40\x00\x00\x00IDAT'; head -c 64 /dev/zero; } >bad-chunk.png

ls -l
