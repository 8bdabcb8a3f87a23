/**
 * Shared by both components, inside their shadow roots (so nothing leaks in or out).
 * Every colour, the radius, the font and the panel width are custom properties a host page
 * can set on the element or any ancestor.
 */
export const BASE_STYLES = `
:host{--_accent:var(--bookit-accent,#2457d6);--_bg:var(--bookit-bg,#fff);--_fg:var(--bookit-fg,#1a1d24);--_muted:var(--bookit-muted,#545b69);--_border:var(--bookit-border,#d9dde5);--_hover:var(--bookit-hover,#f1f4f9);--_unread:var(--bookit-unread-bg,#eef3ff);--_badge-bg:var(--bookit-badge-bg,#c62828);--_badge-fg:var(--bookit-badge-fg,#fff);--_radius:var(--bookit-radius,10px);font:var(--bookit-font,400 15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--_fg);display:inline-block;position:relative}
@media (prefers-color-scheme:dark){:host{--_accent:var(--bookit-accent,#8fb0ff);--_bg:var(--bookit-bg,#1c1f26);--_fg:var(--bookit-fg,#eceff4);--_muted:var(--bookit-muted,#b3bac7);--_border:var(--bookit-border,#3a404d);--_hover:var(--bookit-hover,#272b34);--_unread:var(--bookit-unread-bg,#22304d);--_badge-bg:var(--bookit-badge-bg,#ef5350);--_badge-fg:var(--bookit-badge-fg,#111)}}
*{box-sizing:border-box}
button,select,input{font:inherit;color:inherit}
button{cursor:pointer;background:none;border:0;border-radius:6px;padding:.35rem .5rem}
button:hover{background:var(--_hover)}
:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
svg{width:1.15em;height:1.15em;fill:currentColor;vertical-align:middle}
ul{list-style:none;margin:0;padding:0}
.item{display:flex;gap:.25rem;align-items:flex-start;padding:.55rem .6rem;border-bottom:1px solid var(--_border)}
.item.unread{background:var(--_unread)}
.open{flex:1;text-align:left;min-width:0;display:block;padding:.2rem .35rem}
.title{display:block;font-weight:600}
.item.unread .title::before{content:"";display:inline-block;width:.5rem;height:.5rem;border-radius:50%;background:var(--_accent);margin-right:.4rem;vertical-align:middle}
.body{display:block;color:var(--_muted);overflow-wrap:anywhere}
time{display:block;color:var(--_muted);font-size:.85em;margin-top:.15rem}
.actions{display:flex;flex-shrink:0}
.actions button{color:var(--_muted);padding:.4rem}
.actions button:hover{color:var(--_fg)}
.note{color:var(--_muted);padding:1rem;margin:0;text-align:center}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`
