import t from 'tap'
import { advance, covers, earliest, formatPosition, parsePosition } from '../src/live/stream-position.js'

t.test('ids: <seq>.<xmin>, or a plain seq from an older client; anything else is unknown', async (t) => {
  t.same(parsePosition('101.7420'), { seq: 101, xmin: 7420 })
  t.same(parsePosition('101'), { seq: 101, xmin: null })
  for (const id of ['', 'abc', '1.', '.1', '1.2.3', '-1', '1e3', '1.99999999999999999999', '1234567890123456']) t.equal(parsePosition(id), undefined, `"${id}"`)
  t.equal(formatPosition({ seq: 101, xmin: 7420 }), '101.7420')
  t.equal(formatPosition({ seq: 101, xmin: null }), '101')
})

t.test('a position covers seqs up to its own, but not those of transactions from its xmin on', async (t) => {
  const p = { seq: 101, xmin: 50 }
  t.ok(covers(p, 100, 49))
  t.notOk(covers(p, 100, 50), 'a late committer below the seq is not covered')
  t.notOk(covers(p, 102, 10), 'a seq past the position is not covered')
  t.ok(covers(p, 100, null), 'a change logged before xids were recorded is long committed')
  t.ok(covers({ seq: 101, xmin: null }, 100, 99), 'a plain seq covers every seq up to it')
})

t.test('advancing: past the seq takes the new horizon; a late committer below keeps the position', async (t) => {
  const p = { seq: 101, xmin: 50 }
  t.same(advance(p, 105, 60), { seq: 105, xmin: 60 })
  t.same(advance(p, 100, 60), { seq: 101, xmin: 50 }, 'a late committer does not move the position')
  t.same(advance(p, 100, 40), { seq: 101, xmin: 40 }, 'an older horizon only narrows it')
  t.same(advance(p, 105, null), p, 'a change read without a horizon promises nothing')
  t.same(advance({ seq: 101, xmin: null }, 100, 60), { seq: 101, xmin: 60 })
})

t.test('earliest: a position both cover, where a catch-up for several streams starts', async (t) => {
  t.same(earliest({ seq: 101, xmin: 50 }, { seq: 90, xmin: 60 }), { seq: 90, xmin: 50 })
  t.same(earliest({ seq: 101, xmin: null }, { seq: 90, xmin: 60 }), { seq: 90, xmin: 60 })
  t.same(earliest({ seq: 101, xmin: null }, { seq: 90, xmin: null }), { seq: 90, xmin: null })
})
