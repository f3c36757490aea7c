import dagre from '@dagrejs/dagre';
import type { FunctionDefinition } from './api';

const NODE_W = 150;
const NODE_H = 40;

/**
 * A function's step graph drawn as SVG: laid out by dagre (top to bottom, `$trigger` first), each
 * step coloured by its status in a run when `statuses` is given; an edge with a condition, wait or
 * awaited event is labelled.
 */
export function StepGraph(props: { fn: FunctionDefinition; statuses?: Record<string, string>; onPick?: (step: string) => void }) {
  const { fn, statuses } = props;
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 44, marginx: 10, marginy: 10 });
  graph.setDefaultEdgeLabel(() => ({}));
  graph.setNode('$trigger', { label: 'trigger', width: NODE_W, height: NODE_H });
  for (const [id, step] of Object.entries(fn.steps)) graph.setNode(id, { label: step.name ?? id, width: NODE_W, height: NODE_H });
  for (const [id, step] of Object.entries(fn.steps)) {
    for (const edge of step.after ?? []) {
      const label = [edge.if ? 'if' : '', edge.wait ? `wait ${edge.wait}` : '', edge.async ? `await ${edge.async.event}` : ''].filter(Boolean).join(' · ');
      graph.setEdge(edge.step, id, { label, width: label.length * 6, height: label ? 14 : 0 });
    }
  }
  dagre.layout(graph);
  const size = graph.graph();
  const width = (size.width ?? 200) + 20;
  const height = (size.height ?? 100) + 20;
  return (
    <svg class="graph" data-testid="step-graph" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`step graph of ${fn.id}`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#7b8494" />
        </marker>
      </defs>
      {graph.edges().map((ref) => {
        const edge = graph.edge(ref) as { points: { x: number; y: number }[]; label?: string; x?: number; y?: number };
        const d = edge.points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' ');
        return (
          <g key={`${ref.v}-${ref.w}`}>
            <path d={d} fill="none" stroke="#7b8494" stroke-width="1.5" marker-end="url(#arrow)" />
            {edge.label ? <text x={edge.x} y={edge.y} class="edge-label" text-anchor="middle">{edge.label}</text> : null}
          </g>
        );
      })}
      {graph.nodes().map((id) => {
        const node = graph.node(id) as { x: number; y: number; label: string };
        const status = id === '$trigger' ? 'Trigger' : statuses ? statuses[id] ?? 'Pending' : 'Step';
        return (
          <g key={id} class={`node status-${status}`} data-step={id} onClick={() => id !== '$trigger' && props.onPick?.(id)}>
            <rect x={node.x - NODE_W / 2} y={node.y - NODE_H / 2} width={NODE_W} height={NODE_H} rx="8" />
            <text x={node.x} y={statuses && id !== '$trigger' ? node.y - 2 : node.y + 4} text-anchor="middle" class="node-label">{node.label.length > 20 ? `${node.label.slice(0, 19)}…` : node.label}</text>
            {statuses && id !== '$trigger' ? <text x={node.x} y={node.y + 13} text-anchor="middle" class="node-status">{status}</text> : null}
          </g>
        );
      })}
    </svg>
  );
}

/** The steps a step depends on (its ancestors), to show what its input held. */
export function ancestorsOf(fn: FunctionDefinition, stepId: string): string[] {
  const seen = new Set<string>();
  const visit = (id: string): void => {
    for (const edge of fn.steps[id]?.after ?? []) {
      if (edge.step === '$trigger' || seen.has(edge.step)) continue;
      seen.add(edge.step);
      visit(edge.step);
    }
  };
  visit(stepId);
  return [...seen];
}
