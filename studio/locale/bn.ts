// Editor-facing strings of the Studio UI (schema titles and validation messages live with the schemas).

export const bn = {
  studioTitle: 'বাংলা নিউজরুম',
  structure: {
    root: 'কনটেন্ট',
    articles: 'প্রতিবেদন',
    headlines: 'শিরোনাম তালিকা',
    sources: 'সূত্র',
  },
  counter: {
    unit: 'অক্ষর',
    max: 'সর্বোচ্চ',
  },
  number: {
    invalid: 'সংখ্যা লিখুন, বাংলা বা ইংরেজি অঙ্কে (যেমন ৭৫ বা 75)',
  },
} as const
