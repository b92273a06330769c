// The newsroom's words for the Studio's English terms. Every Bengali bundle uses these, and
// tests/studio/locale.test.ts checks it: where the English text has the term, the Bengali text has
// the Bengali one. docs/studio-bengali.md prints this table.

export interface GlossaryEntry {
  /** The English term as it appears in the Studio (matched as a whole word, any case). */
  en: string
  /** The Bengali stem every translation of it contains. */
  bn: string
  /** Forms in use, for the docs. */
  forms: string
}

export const GLOSSARY: readonly GlossaryEntry[] = [
  {en: 'publish', bn: 'প্রকাশ', forms: 'প্রকাশ করুন, প্রকাশিত, প্রকাশ বাতিল'},
  {en: 'published', bn: 'প্রকাশ', forms: 'প্রকাশিত'},
  {en: 'unpublish', bn: 'প্রকাশ বাতিল', forms: 'প্রকাশ বাতিল করুন'},
  {en: 'draft', bn: 'খসড়া', forms: 'খসড়া'},
  {en: 'revision', bn: 'সংস্করণ', forms: 'সংস্করণ'},
  {en: 'restore', bn: 'পুনরুদ্ধার', forms: 'পুনরুদ্ধার করুন'},
  {en: 'history', bn: 'ইতিহাস', forms: 'ইতিহাস'},
  {en: 'document', bn: 'ডকুমেন্ট', forms: 'ডকুমেন্ট'},
  {en: 'validation', bn: 'যাচাই', forms: 'যাচাই'},
  {en: 'required', bn: 'আবশ্যক', forms: 'আবশ্যক'},
  {en: 'search', bn: 'খোঁ|খুঁজ', forms: 'খুঁজুন, খোঁজ'},
  {en: 'filter', bn: 'ফিল্টার', forms: 'ফিল্টার'},
  {en: 'sort', bn: 'সাজা', forms: 'সাজান, সাজানো'},
  {en: 'reference', bn: 'রেফারেন্স', forms: 'রেফারেন্স'},
  {en: 'saved', bn: 'সংরক্ষ', forms: 'সংরক্ষিত, সংরক্ষণ হচ্ছে'},
  {en: 'edited', bn: 'সম্পাদ', forms: 'সম্পাদিত, সম্পাদনা'},
  {en: 'delete', bn: 'মুছ', forms: 'মুছে ফেলুন'},
  {en: 'cancel', bn: 'বাতিল', forms: 'বাতিল'},
  {en: 'confirm', bn: 'নিশ্চিত', forms: 'নিশ্চিত করুন'},
  {en: 'create', bn: 'তৈরি', forms: 'তৈরি করুন'},
  {en: 'generate', bn: 'তৈরি', forms: 'তৈরি করুন (স্লাগ)'},
  {en: 'upload', bn: 'আপলোড', forms: 'আপলোড করুন'},
  {en: 'item', bn: 'আইটেম', forms: 'আইটেম'},
  {en: 'field', bn: 'ঘর', forms: 'ঘর'},
  {en: 'untitled', bn: 'শিরোনামহীন|নামহীন', forms: 'শিরোনামহীন'},
  {en: 'loading', bn: 'লোড', forms: 'লোড হচ্ছে'},
  {en: 'error', bn: 'ত্রুটি|গোলমাল', forms: 'ত্রুটি'},
  {en: 'warning', bn: 'সতর্কতা', forms: 'সতর্কতা'},
  {en: 'changes', bn: 'পরিবর্তন', forms: 'পরিবর্তন'},
  {en: 'read only', bn: 'শুধু পড়ার', forms: 'শুধু পড়ার জন্য'},
]
