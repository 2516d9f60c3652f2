#!/usr/bin/env bash
# Regenerates the image fixtures in test/fixtures/. Needs ImageMagick 6 (convert, identify) and
# exiftool; CI has neither, so the generated files are committed. Every picture is small and
# has content whose colours the tests check (see test/fixtures/README.md).
set -euo pipefail

cd "$(dirname "$0")/../test/fixtures"
# The real ImageMagick: /usr/bin/convert where it exists, else whatever `convert` is on PATH.
CONVERT=${CONVERT:-$( [ -x /usr/bin/convert ] && echo /usr/bin/convert || echo convert )}
IDENTIFY=${IDENTIFY:-$( [ -x /usr/bin/identify ] && echo /usr/bin/identify || echo identify )}
# No timestamps or other varying chunks, so a rerun gives the same bytes where the coder allows.
im() { "$CONVERT" "$@"; }
STRIP=(-strip -define png:exclude-chunks=date,time)

# The quadrant picture, 64x48: red top left, green top right, blue bottom left, white bottom right.
QUADRANTS=( -size 32x24 xc:'#ff0000' xc:'#00ff00' +append
            \( -size 32x24 xc:'#0000ff' xc:'#ffffff' +append \) -append )
# The grey quadrants, 64x48: 32, 96, 160 and 224 in the same places.
GREYS=( -size 32x24 xc:'rgb(32,32,32)' xc:'rgb(96,96,96)' +append
        \( -size 32x24 xc:'rgb(160,160,160)' xc:'rgb(224,224,224)' +append \) -append )

rm -f ./*.png ./*.jpg ./*.webp ./*.tif ./*.bmp ./*.gif

# PNG
im "${QUADRANTS[@]}" "${STRIP[@]}" -depth 16 PNG48:png-rgb16.png
im "${GREYS[@]}" "${STRIP[@]}" -colorspace Gray -define png:color-type=0 -define png:bit-depth=8 png-gray.png
# Palette with a transparent bottom-right quadrant (tRNS).
im "${QUADRANTS[@]}" -fill none -draw 'color 48,36 floodfill' -alpha on \
   "${STRIP[@]}" -define png:color-type=3 -define png:bit-depth=2 PNG8:png-palette-transparent.png
# 1 bit a sample: black left half, white right half.
im -size 32x48 xc:black xc:white +append "${STRIP[@]}" -define png:color-type=0 -define png:bit-depth=1 png-gray1.png
im "${QUADRANTS[@]}" "${STRIP[@]}" -interlace PNG PNG24:png-interlaced.png
# RGBA: top right green at alpha 50%, bottom left blue fully transparent, the rest opaque.
im \( -size 32x24 xc:'rgba(255,0,0,1)' xc:'rgba(0,255,0,0.5)' +append \) \
   \( -size 32x24 xc:'rgba(0,0,255,0)' xc:'rgba(255,255,255,1)' +append \) -append \
   "${STRIP[@]}" PNG32:png-rgba.png

# JPEG (4:4:4 so the chroma edges stay where the quadrants are)
JPG=(-strip -quality 95 -sampling-factor 1x1)
im "${QUADRANTS[@]}" "${JPG[@]}" -interlace none jpeg-baseline.jpg
im "${QUADRANTS[@]}" "${JPG[@]}" -interlace JPEG jpeg-progressive.jpg
im "${QUADRANTS[@]}" "${JPG[@]}" -colorspace CMYK jpeg-cmyk.jpg
im "${GREYS[@]}" -strip -quality 95 -colorspace Gray jpeg-gray.jpg
# EXIF orientation 6 (rotate 90 degrees clockwise to show): the upright picture is 48x64 portrait,
# red top half and blue bottom half; it is stored turned a quarter counter-clockwise, so the
# stored 64x48 landscape has red on the left.
im -size 48x32 xc:'#ff0000' xc:'#0000ff' -append -rotate -90 "${JPG[@]}" jpeg-exif-orientation-6.jpg
exiftool -q -overwrite_original -n -Orientation=6 jpeg-exif-orientation-6.jpg

# Other formats
im "${QUADRANTS[@]}" -strip -define webp:lossless=true webp-lossless.webp
im "${QUADRANTS[@]}" -strip -depth 8 -compress lzw tiff-rgb.tif
im "${QUADRANTS[@]}" -strip -type TrueColor BMP3:bmp-rgb24.bmp
# Two frames: the quadrants, then all black. Only the first is a picture of flipbook's.
im "${QUADRANTS[@]}" \( -size 64x48 xc:black \) -strip -set delay 50 gif-two-frames.gif

# Broken files
head -c 2048 < <(yes 'this is not a PNG file') > corrupt.png
: > empty.png
# A larger picture with detail, so that cutting it leaves a valid header and a broken body.
im -size 160x120 gradient:'#ff0000-#0000ff' \( -seed 7 -size 160x120 plasma:fractal \) -compose overlay -composite \
   "${STRIP[@]}" PNG24:whole.png
im -size 160x120 gradient:"#ff0000-#0000ff" -seed 7 -attenuate 0.5 +noise Gaussian -strip -quality 90 whole.jpg
for f in whole.png whole.jpg; do
  size=$(stat -c %s "$f")
  head -c $((size * 60 / 100)) "$f" > "truncated.${f#whole.}"
done
rm whole.png whole.jpg

echo "Wrote:"
for f in *.png *.jpg *.webp *.tif *.bmp *.gif; do
  printf '  %-30s %6d bytes  %s\n' "$f" "$(stat -c %s "$f")" "$("$IDENTIFY" -format '%m %wx%h %[colorspace] %z-bit %[interlace]\n' "$f" 2>/dev/null | head -1 || echo '(not readable)')"
done
