"""Writes a VRT that tiles a real scene (all bands, as stored) over an N × N pixel raster, georeferenced as a
10 m UTM 31N grid, for the peak-memory runs of bench/predict (gdal_translate turns it into a tiled GeoTIFF).
Standard library only. Usage: predict_scene.py <scene.tif> <width> <height> <bands> <src width> <src height> <out.vrt>
"""
import sys

scene, n_w, n_h, bands, sw, sh, out = sys.argv[1], *map(int, sys.argv[2:7]), sys.argv[7]
parts = [f'<VRTDataset rasterXSize="{n_w}" rasterYSize="{n_h}">',
         "  <GeoTransform>400000, 10, 0, 5500000, 0, -10</GeoTransform>"]
for b in range(1, bands + 1):
    parts.append(f'  <VRTRasterBand dataType="UInt16" band="{b}">')
    for y in range(0, n_h, sh):
        for x in range(0, n_w, sw):
            w, h = min(sw, n_w - x), min(sh, n_h - y)
            parts.append(f'    <SimpleSource><SourceFilename relativeToVRT="0">{scene}</SourceFilename>'
                         f'<SourceBand>{b}</SourceBand><SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>'
                         f'<DstRect xOff="{x}" yOff="{y}" xSize="{w}" ySize="{h}"/></SimpleSource>')
    parts.append("  </VRTRasterBand>")
parts.append("</VRTDataset>")
with open(out, "w") as f:
    f.write("\n".join(parts) + "\n")
