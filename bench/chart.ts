import { EngineRow } from "./engine";

const SERIES: Array<{ label: string; color: string; value: (r: EngineRow) => number }> = [
  { label: "pulumi-kms-policy, cold", color: "#4062bb", value: (r) => r.oursColdMicros },
  { label: "pulumi-kms-policy, warm (same texts again)", color: "#8fa6e0", value: (r) => r.oursWarmMicros },
  { label: "JSON.parse of both texts", color: "#bbbbbb", value: (r) => r.jsonParseMicros },
  { label: "hashicorp/awspolicyequivalence (Go)", color: "#d9822b", value: (r) => r.peerMicros },
];

/** A small grouped bar chart (SVG, no dependencies): compare time by policy size, ours next to the baselines. */
export function engineChart(rows: EngineRow[]): string {
  const width = 640;
  const height = 300;
  const left = 60;
  const bottom = 40;
  const top = 30 + SERIES.length * 18; // room for the legend
  const max = Math.max(...rows.flatMap((r) => SERIES.map((s) => s.value(r))));
  const groupWidth = (width - left - 20) / rows.length;
  const barWidth = groupWidth / (SERIES.length + 1);
  const y = (v: number) => height - bottom - ((height - bottom - top) * v) / max;
  const bars = rows
    .map((r, i) => {
      const x0 = left + i * groupWidth + barWidth / 2;
      return [
        ...SERIES.map((s, k) => {
          const v = s.value(r);
          const x = x0 + k * barWidth;
          return `<rect x="${x}" y="${y(v)}" width="${barWidth}" height="${height - bottom - y(v)}" fill="${s.color}"/><text x="${x + barWidth / 2}" y="${y(v) - 4}" font-size="9" text-anchor="middle">${Math.round(v)}</text>`;
        }),
        `<text x="${x0 + (SERIES.length * barWidth) / 2}" y="${height - bottom + 16}" font-size="12" text-anchor="middle">${r.targetKb} KB</text>`,
      ].join("");
    })
    .join("\n");
  const legend = SERIES.map(
    (s, k) =>
      `<rect x="${left}" y="${30 + k * 18}" width="12" height="12" fill="${s.color}"/><text x="${left + 18}" y="${40 + k * 18}" font-size="12">${s.label}</text>`,
  ).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="18" font-size="14">Median µs per comparison of two equivalent policies (lower is better)</text>
<line x1="${left}" y1="${height - bottom}" x2="${width - 10}" y2="${height - bottom}" stroke="black"/>
${bars}
${legend}
</svg>
`;
}
