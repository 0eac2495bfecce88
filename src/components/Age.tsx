import * as React from 'react';

import { age } from '../viewmodel';

/** One timer for every Age on the page; it runs only while some Age is mounted. */
const listeners = new Set<() => void>();
let timer: number | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    timer = window.setInterval(() => listeners.forEach(l => l()), 1000);
  }
  return () => {
    listeners.delete(listener);
    if (!listeners.size && timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  };
}

/**
 * "42 s", ticking on its own: a refresh does not re-render rows to move their ages, and a tick
 * re-renders only the ages whose text changed.
 */
function AgeView(props: { since: string | null }): JSX.Element {
  const [text, setText] = React.useState(() => age(props.since, new Date()));
  React.useEffect(() => {
    const update = () => setText(age(props.since, new Date()));
    update();
    return subscribe(update);
  }, [props.since]);
  return <span className="jp-LivyCapacity-age">{text}</span>;
}

export const Age = React.memo(AgeView);
