import { EngineResult } from "./engine";

/** A small grouped bar chart (SVG, no dependencies): compare time, ours vs naive, by policy size. */
export function engineChart(rows: EngineResult[]): string {
  const width = 560;
  const height = 260;
  const left = 60;
  const bottom = 40;
  const max = Math.max(...rows.flatMap((r) => [r.compareMicros, r.naiveCompareMicros]));
  const groupWidth = (width - left - 20) / rows.length;
  const barWidth = groupWidth / 3;
  const y = (v: number) => height - bottom - ((height - bottom - 80) * v) / max; // headroom for the legend
  const bars = rows
    .map((r, i) => {
      const x = left + i * groupWidth + barWidth / 2;
      return [
        `<rect x="${x}" y="${y(r.compareMicros)}" width="${barWidth}" height="${height - bottom - y(r.compareMicros)}" fill="#4062bb"/>`,
        `<rect x="${x + barWidth}" y="${y(r.naiveCompareMicros)}" width="${barWidth}" height="${height - bottom - y(r.naiveCompareMicros)}" fill="#bbbbbb"/>`,
        `<text x="${x + barWidth}" y="${height - bottom + 16}" font-size="12" text-anchor="middle">${r.targetKb} KB</text>`,
        `<text x="${x + barWidth / 2}" y="${y(r.compareMicros) - 4}" font-size="10" text-anchor="middle">${Math.round(r.compareMicros)}</text>`,
      ].join("");
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="18" font-size="14">Median µs per policy comparison (lower is better)</text>
<line x1="${left}" y1="${height - bottom}" x2="${width - 10}" y2="${height - bottom}" stroke="black"/>
${bars}
<rect x="${left}" y="30" width="12" height="12" fill="#4062bb"/><text x="${left + 18}" y="40" font-size="12">pulumi-kms-policy</text>
<rect x="${left}" y="48" width="12" height="12" fill="#bbbbbb"/><text x="${left + 18}" y="58" font-size="12">naive sorted stringify (JSON.parse + sorted keys)</text>
</svg>
`;
}
