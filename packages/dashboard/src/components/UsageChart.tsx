import type { DailyUsage } from '../api'

// Plot units; the SVG stretches to its box (preserveAspectRatio none), so labels are HTML, not SVG text.
const W = 600
const H = 100

function niceMax(n: number): number {
  if (n <= 1) return 1
  const p = 10 ** Math.floor(Math.log10(n))
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= n)!
}

const total = (d: DailyUsage) => d.valid + d.refused
const describe = (d: DailyUsage) => {
  const codes = Object.entries(d.by_code)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')
  return `${d.date}: ${d.valid} valid, ${d.refused} refused${codes ? ` (${codes})` : ''}`
}

/**
 * Verifications per day as stacked bars (valid below, refused on top), plain SVG: no
 * chart library for one chart. Each bar carries a title (the tooltip) with the exact
 * counts; the figure caption sums them up for screen readers.
 */
export function UsageChart({ days }: { days: DailyUsage[] }) {
  const valid = days.reduce((s, d) => s + d.valid, 0)
  const refused = days.reduce((s, d) => s + d.refused, 0)
  const max = niceMax(Math.max(...days.map(total), 0))
  const step = W / Math.max(days.length, 1)
  const barW = Math.max(1, step * 0.7)
  const y = (n: number) => (n / max) * H
  const mid = Math.floor((days.length - 1) / 2)
  return (
    <figure className="usage card">
      <figcaption>
        <span>
          <strong>{valid}</strong> valid and <strong>{refused}</strong> refused verifications in the last {days.length}{' '}
          days (UTC)
        </span>
        <span className="legend" aria-hidden="true">
          <span className="swatch swatch-valid" /> valid <span className="swatch swatch-refused" /> refused
        </span>
      </figcaption>
      <div className="plot">
        <div className="y-axis" aria-hidden="true">
          <span>{max}</span>
          {max % 2 === 0 && <span>{max / 2}</span>}
          <span>0</span>
        </div>
        <svg
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`Verifications per day, ${days[0]?.date} to ${days[days.length - 1]?.date}`}
          preserveAspectRatio="none"
        >
          <line x1={0} x2={W} y1={H / 2} y2={H / 2} className="grid" vectorEffect="non-scaling-stroke" />
          {days.map((d, i) => {
            const x = i * step + (step - barW) / 2
            return (
              <g key={d.date} className="day" data-date={d.date} data-valid={d.valid} data-refused={d.refused}>
                <title>{describe(d)}</title>
                {/* A transparent full-height target, so every day has a tooltip, even an empty one. */}
                <rect x={i * step} y={0} width={step} height={H} className="hit" />
                {d.valid > 0 && (
                  <rect x={x} y={H - y(d.valid)} width={barW} height={y(d.valid)} className="bar-valid" />
                )}
                {d.refused > 0 && (
                  <rect x={x} y={H - y(total(d))} width={barW} height={y(d.refused)} className="bar-refused" />
                )}
              </g>
            )
          })}
        </svg>
      </div>
      <div className="x-axis" aria-hidden="true">
        <span>{days[0]?.date.slice(5)}</span>
        {days.length > 2 && <span>{days[mid]?.date.slice(5)}</span>}
        <span>{days[days.length - 1]?.date.slice(5)}</span>
      </div>
    </figure>
  )
}
